/**
 * A float32 covariance in the solvers (issue #10: S at half the memory). The core reads float32
 * as it is, widens each value exactly and computes in float64, so the results must be bitwise
 * those of the float32 matrix's float64 copy: single λ and paths, sync and async, positive,
 * penalty factors and the elastic net, general (cross-model) problems, working sets past the
 * packing limit (1024 coordinates: the unpacked gather path) — and the certificates, recomputed
 * here from the returned coefficients, hold. Bad float32 input gets the same typed errors.
 */
import { describe, expect, it } from '@jest/globals';
import { Matrix, covLasso, covLassoPath, covLassoPathSync, covLassoSync, generalProblem, solveGeneralSync } from '../lib';
import { asSolverCovariance } from '../lib/lasso/options';
import { centeredCovariance, randomLogits } from './support/reference-lasso';
import { recompute, sameBytes } from './support/helpers';
import type { CovLassoPathResult } from '../lib';

/** S rounded to float32, and that float32 matrix's exact float64 copy. */
function pair(S: Float64Array, c: number): { S32: Matrix; S64: Matrix } {
  const S32 = new Matrix(c, c, Float32Array.from(S));
  return { S32, S64: S32.astype('float64') };
}

function expectSameResults(a: CovLassoPathResult, b: CovLassoPathResult): void {
  for (const key of ['objective', 'gap', 'lambda', 'lambdaMax', 'residualVariance', 'iterations', 'converged'] as const) {
    expect(sameBytes(a[key], b[key])).toBe(true);
  }
  expect(sameBytes(a.coef.indptr, b.coef.indptr)).toBe(true);
  expect(sameBytes(a.coef.indices, b.coef.indices)).toBe(true);
  expect(sameBytes(a.coef.values, b.coef.values)).toBe(true);
}

const C = 160;
const head = centeredCovariance(randomLogits(400, C, 7, { rank: 30 }), 400, C, 0);
const { S32, S64 } = pair(head, C);

describe('a float32 covariance gives bitwise the results of its float64 copy', () => {
  it('single λ, sync and async, certified against the float64 copy', async () => {
    const a = covLassoSync(S32, { lambdaRatio: 0.05, threads: 2 });
    expectSameResults(a as CovLassoPathResult, covLassoSync(S64, { lambdaRatio: 0.05, threads: 2 }) as CovLassoPathResult);
    expectSameResults((await covLasso(S32, { lambdaRatio: 0.05 })) as CovLassoPathResult, a as CovLassoPathResult);
    const s64 = S64.data as Float64Array;
    for (let t = 0; t < C; t += 17) {
      const rc = recompute(s64, C, t, a.lambda[t], a.coef, t);
      expect(a.converged[t]).toBe(1);
      expect(rc.gap).toBeLessThanOrEqual(1e-6 * rc.d + 1e-12 * rc.d);
      expect(Math.abs(rc.objective - a.objective[t])).toBeLessThanOrEqual(1e-10 * rc.d);
    }
  });

  it('paths, positive, penalty factors with zeros and the elastic net', async () => {
    const penaltyFactor = Float64Array.from({ length: C }, (_, j) => (j % 11 === 4 ? 0 : 0.5 + (j % 3) * 0.25));
    const options = { targets: [0, 9, 77, 159], nLambda: 12, ratioMin: 1e-3, positive: true, l1Ratio: 0.7, penaltyFactor };
    const a = await covLassoPath(S32, options);
    expectSameResults(a, covLassoPathSync(S64, options));
    expect(a.converged.every((v) => v === 1)).toBe(true);
  });

  it('general problems with float32 moments', () => {
    const P = 100;
    const G = new Float32Array(P * P), X = new Float32Array(P * (C - P)), d = new Float64Array(C - P);
    const s = S32.data;
    for (let i = 0; i < P; i++) {
      for (let j = 0; j < P; j++) G[i * P + j] = s[i * C + j];
      for (let t = 0; t < C - P; t++) X[i * (C - P) + t] = s[i * C + P + t];
    }
    for (let t = 0; t < C - P; t++) d[t] = s[(P + t) * C + P + t];
    const narrow = generalProblem(new Matrix(P, P, G), new Matrix(P, C - P, X), d);
    const wide = generalProblem(new Matrix(P, P, G).astype('float64'), new Matrix(P, C - P, X).astype('float64'), d);
    expect(narrow.gram).toBeInstanceOf(Float32Array);
    expectSameResults(solveGeneralSync(narrow, { path: { nLambda: 6 } }), solveGeneralSync(wide, { path: { nLambda: 6 } }));
  });

  it(
    'working sets past the packing limit (more than 1024 coordinates): the unpacked gathers',
    () => {
      const c = 1100, n = 2400;
      const big = pair(centeredCovariance(randomLogits(n, c, 3), n, c, 0), c);
      const options = { lambdaRatio: 1e-3, targets: [5, 600], threads: 2 };
      const a = covLassoSync(big.S32, options);
      expect(Math.max(a.coef.indptr[1], a.coef.indptr[2] - a.coef.indptr[1])).toBeGreaterThan(1024);
      expectSameResults(a as CovLassoPathResult, covLassoSync(big.S64, options) as CovLassoPathResult);
      expect(a.converged.every((v) => v === 1)).toBe(true);
    },
    120_000,
  );
});

describe('float32 input to the solvers', () => {
  it('is not copied or widened on the way in', () => {
    expect(asSolverCovariance(S32).data).toBe(S32.data);
  });

  it('NaN, Inf and asymmetry get the same typed errors as in float64', () => {
    const bad = Float32Array.from(S32.data);
    bad[3 * C + 5] = Number.NaN;
    expect(() => covLassoSync(new Matrix(C, C, bad))).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_NOT_FINITE' }));
    bad[3 * C + 5] = Infinity;
    expect(() => covLassoSync(new Matrix(C, C, bad))).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_NOT_FINITE' }));
    bad[3 * C + 5] = S32.data[5 * C + 3] + 1;
    expect(() => covLassoSync(new Matrix(C, C, bad))).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_NOT_SYMMETRIC' }));
  });
});

describe('Matrix.astype', () => {
  it('returns the matrix itself for its own dtype and a rounded or exact copy otherwise', () => {
    expect(S32.astype('float32')).toBe(S32);
    const m = new Matrix(1, 3, Float64Array.from([0.1, 1 + 2 ** -30, -3]));
    const f = m.astype('float32');
    expect(f.dtype).toBe('float32');
    expect(Array.from(f.data)).toEqual([Math.fround(0.1), 1, -3]);
    expect(f.astype('float64').data).toEqual(Float64Array.from([Math.fround(0.1), 1, -3]));
    expect(m.data[1]).toBe(1 + 2 ** -30); // the source is untouched
  });

  it('rejects any other dtype with a typed error', () => {
    expect(() => S32.astype('int32' as never)).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_INVALID_DTYPE' }));
  });
});

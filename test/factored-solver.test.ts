/**
 * The CovLasso solver on a factored covariance (issue #11; native/core/cpu/gram_access.hpp): the
 * solver reads S = Ã K Ãᵀ through the head and never forms it. Checked against the same solver on
 * the dense S of the logits H Wᵀ + 1bᵀ (float64 products): single λ and paths, the elastic net,
 * positive and penalty factors, singular S (C > r, duplicated and nearly duplicated head rows),
 * bitwise results for any thread count, async with abort. test/factored.test.ts has the larger
 * cases (C = 2000, d = 256, and the cjk1000 factors).
 */
import { describe, expect, it } from '@jest/globals';
import {
  CovarianceAccumulator, covarianceSync, covLasso, covLassoPathSync, covLassoSync, CovlassoAbortError, factoredCovariance,
  FactoredCovariance, Matrix,
} from '../lib';
import { gaussian } from '../lib/random';

interface Case {
  F: FactoredCovariance;
  S: Matrix;
  C: number;
}

/**
 * A head W (C×d, float32) with `duplicates` rows copied from others and as many copied with a
 * 1e-7 perturbation (S then has equal and nearly equal columns), a bias, and N features with a
 * non-zero mean; the dense S from the logits, second moment or centered.
 */
function makeCase(C: number, d: number, N: number, center: boolean, seed: number, duplicates = 0): Case {
  const g = gaussian(seed);
  const w = Float32Array.from({ length: C * d }, () => 0.2 * g());
  const bias = Float64Array.from({ length: C }, () => 0.3 * g());
  for (let k = 0; k < duplicates; k++) {
    const from = 2 * k, exact = C - 1 - 2 * k, near = C - 2 - 2 * k;
    for (let j = 0; j < d; j++) {
      w[exact * d + j] = w[from * d + j];
      w[near * d + j] = w[from * d + j] * (1 + 1e-7 * g());
    }
    bias[exact] = bias[near] = bias[from];
  }
  const h = Float64Array.from({ length: N * d }, () => Math.max(0, 0.4 + g()));
  const acc = new CovarianceAccumulator(d);
  acc.updateSync(new Matrix(N, d, h), { productPrecision: 'float64' });
  const logits = new Float64Array(N * C);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < C; i++) {
      let v = bias[i];
      for (let j = 0; j < d; j++) v += w[i * d + j] * h[n * d + j];
      logits[n * C + i] = v;
    }
  }
  const S = covarianceSync(new Matrix(N, C, logits), { center, productPrecision: 'float64' });
  return { F: factoredCovariance({ head: new Matrix(C, d, w), bias, features: acc, center }), S, C };
}

/** Both solved to a tight tol: certified, and objectives within 1e-9·S_tt. */
function expectSame(c: Case, a: { objective: Float64Array; gap: Float64Array; converged: Uint8Array; targets: Int32Array }, b: typeof a, nLambda = 1): void {
  expect(b.objective.length).toBe(a.objective.length);
  for (let k = 0; k < a.objective.length; k++) {
    const t = a.targets[Math.floor(k / nLambda)];
    const stt = c.S.data[t * c.C + t];
    expect(a.converged[k] && b.converged[k]).toBe(1);
    expect(Math.abs(a.objective[k] - b.objective[k])).toBeLessThanOrEqual(1e-9 * stt);
  }
}

const targets = [0, 1, 7, 50, 123, 299];

describe('covLasso on a factored covariance', () => {
  const second = makeCase(300, 24, 500, false, 11);
  const centered = makeCase(300, 24, 500, true, 12);

  it.each([
    ['second moment', second],
    ['centered', centered],
  ])('%s: one λ gives the dense solver\'s objectives, certified', (_name, c) => {
    for (const lambdaRatio of [0.3, 0.1, 0.02]) {
      const options = { targets, lambdaRatio, tol: 1e-11 };
      const dense = covLassoSync(c.S, options);
      const factored = covLassoSync(c.F, options);
      expectSame(c, dense, factored);
      expect(Array.from(factored.lambdaMax, (v, k) => v / dense.lambdaMax[k])).toEqual(targets.map(() => expect.closeTo(1, 12)));
      for (let k = 0; k < targets.length; k++) expect(factored.gap[k]).toBeLessThanOrEqual(1e-11 * c.S.data[targets[k] * c.C + targets[k]]);
    }
  });

  it('walks the same λ path, warm start and strong rule included', () => {
    const options = { targets: [3, 40, 222], nLambda: 15, ratioMin: 0.01, tol: 1e-11 };
    const dense = covLassoPathSync(centered.S, options);
    const factored = covLassoPathSync(centered.F, options);
    expectSame(centered, dense, factored, 15);
    expect(factored.coef.indptr.length).toBe(dense.coef.indptr.length);
  });

  it('takes the elastic net, positive coefficients and penalty factors', () => {
    const penaltyFactor = Float64Array.from({ length: 300 }, (_, j) => (j % 7 === 0 ? 0 : 1 + (j % 3)));
    for (const extra of [{ l1Ratio: 0.5 }, { positive: true }, { penaltyFactor }]) {
      const options = { targets, lambdaRatio: 0.1, tol: 1e-11, ...extra };
      expectSame(second, covLassoSync(second.S, options), covLassoSync(second.F, options));
    }
  });

  it('solves singular S with duplicated and nearly duplicated head rows (C = 300 > r = 13)', () => {
    const c = makeCase(300, 12, 400, false, 13, 5);
    const picked = [0, 2, 4, 299, 298, 150];
    const options = { targets: picked, lambdaRatio: 0.05, tol: 1e-10 };
    const dense = covLassoSync(c.S, options);
    const factored = covLassoSync(c.F, options);
    for (let k = 0; k < picked.length; k++) {
      const stt = c.S.data[picked[k] * c.C + picked[k]];
      expect(dense.converged[k] && factored.converged[k]).toBe(1);
      // near-duplicate columns make the minimiser non-unique, not the minimum
      expect(Math.abs(dense.objective[k] - factored.objective[k])).toBeLessThanOrEqual(1e-9 * stt);
    }
    // target 299's logit is an exact copy of 0's (and 298's nearly): they carry its dependency
    const from = factored.coef.indptr[3], to = factored.coef.indptr[4];
    const sources = Array.from(factored.coef.indices.subarray(from, to));
    const weights = Array.from(factored.coef.values.subarray(from, to));
    const largest = sources[weights.indexOf(Math.max(...weights))];
    expect([0, 298]).toContain(largest);
    expect(factored.relativeError[3]).toBeLessThan(0.05);
  });

  it('is bitwise the same for any thread count, and async calls settle on abort', async () => {
    // every target: the threads share them out differently, and each solver's packs carry over
    // from target to target (an entry must not depend on which way it was computed)
    const options = { lambdaRatio: 0.05 };
    const one = covLassoSync(second.F, { ...options, threads: 1 });
    const two = await covLasso(second.F, { ...options, threads: 2 });
    expect(Buffer.from(two.objective.buffer).equals(Buffer.from(one.objective.buffer))).toBe(true);
    expect(Buffer.from(two.coef.values.buffer).equals(Buffer.from(one.coef.values.buffer))).toBe(true);
    const ac = new AbortController();
    const p = covLasso(second.F, { lambdaRatio: 0.01, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(CovlassoAbortError);
  });
});

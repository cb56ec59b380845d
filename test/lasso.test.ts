/**
 * covLasso() / covLassoPath() against the independent reference solver and closed forms, with
 * every certificate recomputed here from the returned sparse coefficients
 * (./support/reference-lasso.ts `dualityGap`, `objectiveOf`).
 */
import { describe, expect, it } from '@jest/globals';
import { CovLassoResult, CovlassoRangeError, Matrix, covLasso, covLassoPath, covLassoPathSync, covLassoSync, pathStep, targetCoefficients } from '../lib';
import { centeredCovariance, lambdaMaxOf, randomLogits, referenceCovLasso, secondMoment, targetProblem } from './support/reference-lasso';
import { denseBeta, recompute, sameBytes } from './support/helpers';

const ROUNDING = 1e-12; // slack, relative to S_tt, for recomputing a gap in a different order

interface Problem {
  name: string;
  S: Float64Array;
  c: number;
}

function problem(name: string, n: number, c: number, seed: number, opts: { rank?: number; center?: boolean; duplicate?: [number, number] } = {}): Problem {
  const F = randomLogits(n, c, seed, { rank: opts.rank });
  if (opts.duplicate) {
    const [from, to] = opts.duplicate;
    for (let i = 0; i < n; i++) F[i * c + to] = F[i * c + from];
  }
  const S = opts.center ? centeredCovariance(F, n, c, 0) : secondMoment(F, n, c);
  return { name, S, c };
}

const PROBLEMS: Problem[] = [
  problem('full rank 300x25', 300, 25, 1),
  problem('singular second moment (head width 6 < C = 25)', 200, 25, 2, { rank: 6 }),
  problem('singular centered (head width 5 < C = 20)', 150, 20, 3, { rank: 5, center: true }),
  problem('duplicated categories (column 8 == column 3)', 150, 14, 4, { duplicate: [3, 8] }),
];

/** Every per-target certificate of `r`, recomputed from its coefficients. */
function checkCertificates(p: Problem, r: CovLassoResult, tol: number): void {
  const T = r.targets.length;
  expect(r.coef.rows).toBe(p.c);
  expect(r.coef.cols).toBe(T);
  expect(r.coef.indptr.length).toBe(T + 1);
  for (let k = 0; k < T; k++) {
    const t = r.targets[k];
    const { sources } = targetCoefficients(r.coef, k);
    expect(Array.from(sources)).not.toContain(t);
    for (const j of sources) expect(j >= 0 && j < p.c).toBe(true);
    const rc = recompute(p.S, p.c, t, r.lambda[k], r.coef, k);
    expect(rc.beta[t]).toBe(0);
    expect(r.converged[k]).toBe(1);
    expect(r.gap[k]).toBeLessThanOrEqual(tol * rc.d);
    expect(rc.gap).toBeLessThanOrEqual(tol * rc.d + ROUNDING * rc.d);
    expect(rc.gap).toBeGreaterThanOrEqual(-ROUNDING * rc.d);
    expect(Math.abs(r.objective[k] - rc.objective)).toBeLessThanOrEqual(1e-10 * rc.d);
    expect(Math.abs(r.gap[k] - rc.gap)).toBeLessThanOrEqual(ROUNDING * rc.d);
    // r² and r²/d
    const r2 = 2 * (rc.objective - r.lambda[k] * rc.beta.reduce((a, b) => a + Math.abs(b), 0));
    expect(Math.abs(r.residualVariance[k] - r2)).toBeLessThanOrEqual(1e-10 * rc.d);
    expect(Math.abs(r.relativeError[k] - r.residualVariance[k] / rc.d)).toBeLessThanOrEqual(1e-14);
  }
}

describe('covLasso() against the reference solver', () => {
  for (const p of PROBLEMS) {
    for (const ratio of [0.5, 0.1, 0.02]) {
      it(`${p.name}, lambdaRatio ${ratio}: objectives match, certificates recomputed`, async () => {
        const tol = 1e-8;
        const r = await covLasso(new Matrix(p.c, p.c, p.S), { lambdaRatio: ratio, tol });
        expect(Array.from(r.targets)).toEqual(Array.from({ length: p.c }, (_, i) => i));
        checkCertificates(p, r, tol);
        let stalled = 0;
        for (let t = 0; t < p.c; t++) {
          const { s, d } = targetProblem(p.S, p.c, t);
          const lmax = lambdaMaxOf(s, t);
          expect(r.lambdaMax[t]).toBe(lmax);
          expect(Math.abs(r.lambda[t] - ratio * lmax)).toBeLessThanOrEqual(1e-15 * lmax);
          const ref = referenceCovLasso(p.S, p.c, s, d, r.lambda[t], t, { tol: 1e-9, maxSweeps: 20000 });
          if (ref.converged) {
            expect(Math.abs(r.objective[t] - ref.objective)).toBeLessThanOrEqual(1e-7 * d);
          } else {
            // Plain cyclic CD can stall on a singular problem; ours is certified above, so it
            // must be at least as good as wherever the reference stopped.
            expect(r.objective[t]).toBeLessThanOrEqual(ref.objective + 1e-7 * d);
            stalled++;
          }
        }
        expect(stalled).toBeLessThanOrEqual(2); // the comparison must mostly be a real one
      });
    }
  }

  it('default tol (1e-6): gap <= 1e-6 * S_tt and the objective is within that gap of the reference optimum', async () => {
    const p = PROBLEMS[1];
    const r = await covLasso(new Matrix(p.c, p.c, p.S));
    checkCertificates(p, r, 1e-6);
    for (let t = 0; t < p.c; t++) {
      const { s, d } = targetProblem(p.S, p.c, t);
      expect(r.lambda[t]).toBeCloseTo(0.1 * lambdaMaxOf(s, t), 14); // default lambdaRatio 0.1
      const ref = referenceCovLasso(p.S, p.c, s, d, r.lambda[t], t, { tol: 1e-9, maxSweeps: 20000 });
      expect(r.objective[t]).toBeGreaterThanOrEqual(ref.objective - 1e-9 * d);
      expect(r.objective[t]).toBeLessThanOrEqual(ref.objective + 1e-6 * d);
    }
  });

  it('subset of targets in any order, with duplicates: results follow `targets`', async () => {
    const p = PROBLEMS[0];
    const targets = [7, 2, 24, 2, 0];
    const all = await covLasso(new Matrix(p.c, p.c, p.S), { lambdaRatio: 0.2 });
    const sub = await covLasso(new Matrix(p.c, p.c, p.S), { lambdaRatio: 0.2, targets });
    expect(Array.from(sub.targets)).toEqual(targets);
    checkCertificates(p, sub, 1e-6);
    targets.forEach((t, k) => {
      expect(sub.objective[k]).toBe(all.objective[t]);
      expect(sameBytes(denseBeta(sub.coef, k), denseBeta(all.coef, t))).toBe(true);
    });
  });

  it('accepts a float32 covariance (read as it is: the results of its float64 copy)', async () => {
    const S32 = Float32Array.from(PROBLEMS[0].S);
    const S64 = Float64Array.from(S32);
    const a = await covLasso(new Matrix(25, 25, S32), { lambdaRatio: 0.1 });
    const b = await covLasso(new Matrix(25, 25, S64), { lambdaRatio: 0.1 });
    expect(sameBytes(a.objective, b.objective)).toBe(true);
    expect(sameBytes(a.coef.values, b.coef.values)).toBe(true);
  });
});

describe('covLasso() closed forms', () => {
  it('orthogonal sources: coefficients are soft-thresholded cross moments', async () => {
    // Target at index 3; sources mutually orthogonal (G restricted to sources is diagonal).
    const c = 6;
    const t = 3;
    const src = [0, 1, 2, 4, 5];
    const g = [2, 3, 1, 4, 0.5];
    const sv = [1, -1.5, 0.2, 2, -0.1];
    const d = sv.reduce((a, v, j) => a + (v * v) / g[j], 0) + 1; // Schur complement 1 > 0: PSD
    const S = new Float64Array(c * c);
    S[t * c + t] = d;
    src.forEach((j, k) => {
      S[j * c + j] = g[k];
      S[j * c + t] = sv[k];
      S[t * c + j] = sv[k];
    });
    for (const lambda of [0.05, 0.15, 0.5, 1.2, 1.99, 2.5]) {
      const r = await covLasso(new Matrix(c, c, S), { lambda, targets: [t], tol: 1e-12 });
      expect(r.lambdaMax[0]).toBe(2);
      const beta = denseBeta(r.coef, 0);
      let objective = 0.5 * d;
      src.forEach((j, k) => {
        const a = Math.abs(sv[k]) - lambda;
        const want = a > 0 ? (Math.sign(sv[k]) * a) / g[k] : 0;
        expect(Math.abs(beta[j] - want)).toBeLessThanOrEqual(1e-9);
        if (want === 0) expect(beta[j]).toBe(0);
        objective += -sv[k] * want + 0.5 * g[k] * want * want + lambda * Math.abs(want);
      });
      expect(beta[t]).toBe(0);
      expect(Math.abs(r.objective[0] - objective)).toBeLessThanOrEqual(1e-12 * d);
      expect(r.converged[0]).toBe(1);
      expect(r.coef.indptr[1]).toBe(sv.filter((v) => Math.abs(v) > lambda).length); // no stored zeros
    }
  });

  it('diagonal S: lambda_max = 0, beta = 0, objective S_tt/2, gap 0', async () => {
    const c = 5;
    const S = new Float64Array(c * c);
    for (let i = 0; i < c; i++) S[i * c + i] = i + 1;
    for (const opts of [{}, { lambda: 0.3 }]) {
      const r = await covLasso(new Matrix(c, c, S), opts);
      for (let t = 0; t < c; t++) {
        expect(r.lambdaMax[t]).toBe(0);
        expect(r.objective[t]).toBe(0.5 * (t + 1));
        expect(r.gap[t]).toBe(0);
        expect(r.converged[t]).toBe(1);
        expect(r.relativeError[t]).toBe(1);
      }
      expect(Array.from(r.coef.indptr)).toEqual(new Array(c + 1).fill(0));
    }
  });

  it('lambda >= lambda_max gives beta = 0, objective S_tt/2 and gap 0, ratio or absolute', async () => {
    const p = PROBLEMS[1];
    const S = new Matrix(p.c, p.c, p.S);
    const first = await covLasso(S, { lambdaRatio: 1 });
    let biggest = 0;
    for (const v of first.lambdaMax) biggest = Math.max(biggest, v);
    for (const r of [first, await covLasso(S, { lambdaRatio: 2.5 }), await covLasso(S, { lambda: biggest }), covLassoSync(S, { lambda: 10 * biggest })]) {
      expect(Array.from(r.coef.indptr)).toEqual(new Array(p.c + 1).fill(0));
      for (let t = 0; t < p.c; t++) {
        const d = p.S[t * p.c + t];
        expect(Math.abs(r.objective[t] - 0.5 * d)).toBeLessThanOrEqual(1e-15 * d);
        expect(Math.abs(r.gap[t])).toBeLessThanOrEqual(1e-15 * d);
        expect(r.converged[t]).toBe(1);
        expect(r.residualVariance[t]).toBeCloseTo(d, 12);
      }
    }
  });

  it('a duplicated category explains its twin: objective <= lambda - lambda²/(2 S_tt)', async () => {
    const p = PROBLEMS[3];
    const r = await covLasso(new Matrix(p.c, p.c, p.S), { lambdaRatio: 0.1, tol: 1e-9 });
    for (const [t, twin] of [[3, 8], [8, 3]]) {
      const d = p.S[t * p.c + t];
      expect(p.S[t * p.c + twin]).toBe(d);
      const lambda = r.lambda[t];
      expect(r.objective[t]).toBeLessThanOrEqual(lambda - (lambda * lambda) / (2 * d) + 1e-9 * d);
      expect(r.relativeError[t]).toBeLessThan(0.05);
    }
  });
});

describe('covLasso() options and determinism', () => {
  const hard = problem('hard singular 300x60 (width 8)', 300, 60, 9, { rank: 8 });
  const H = new Matrix(hard.c, hard.c, hard.S);

  it('lambda = ratio * lambdaMax (absolute) gives the same solution as lambdaRatio', async () => {
    const ratio = 0.05;
    const rel = await covLasso(H, { lambdaRatio: ratio, tol: 1e-9 });
    for (const t of [0, 13, 59]) {
      const abs = await covLasso(H, { lambda: ratio * rel.lambdaMax[t], targets: [t], tol: 1e-9 });
      const d = hard.S[t * hard.c + t];
      expect(abs.lambda[0]).toBe(rel.lambda[t]);
      expect(abs.lambdaMax[0]).toBe(rel.lambdaMax[t]);
      expect(Math.abs(abs.objective[0] - rel.objective[t])).toBeLessThanOrEqual(1e-12 * d);
    }
  });

  it('results are bitwise identical for threads 1 and 2, and covLassoSync == covLasso', async () => {
    const a = await covLasso(H, { lambdaRatio: 0.03, threads: 1 });
    const b = await covLasso(H, { lambdaRatio: 0.03, threads: 2 });
    const s = covLassoSync(H, { lambdaRatio: 0.03, threads: 2 });
    for (const other of [b, s]) {
      for (const key of ['lambda', 'lambdaMax', 'objective', 'gap', 'residualVariance', 'relativeError', 'iterations', 'converged'] as const) {
        expect(sameBytes(other[key], a[key])).toBe(true);
      }
      expect(sameBytes(other.coef.indptr, a.coef.indptr)).toBe(true);
      expect(sameBytes(other.coef.indices, a.coef.indices)).toBe(true);
      expect(sameBytes(other.coef.values, a.coef.values)).toBe(true);
    }
  });

  it('maxIter: 1 reports converged = 0 honestly, and the reported gap is the true gap of the returned coefficients', async () => {
    const tol = 1e-6;
    const r = await covLasso(H, { lambdaRatio: 1e-3, maxIter: 1, tol });
    let unconverged = 0;
    for (let k = 0; k < hard.c; k++) {
      const t = r.targets[k];
      const rc = recompute(hard.S, hard.c, t, r.lambda[k], r.coef, k);
      expect(r.iterations[k]).toBeLessThanOrEqual(1);
      expect(Math.abs(r.gap[k] - rc.gap)).toBeLessThanOrEqual(ROUNDING * rc.d + 1e-9 * Math.abs(rc.gap));
      expect(Math.abs(r.objective[k] - rc.objective)).toBeLessThanOrEqual(1e-10 * rc.d);
      if (r.converged[k]) {
        expect(rc.gap).toBeLessThanOrEqual(tol * rc.d * (1 + 1e-9) + ROUNDING * rc.d);
      } else {
        unconverged++;
        expect(r.gap[k]).toBeGreaterThan(tol * rc.d);
      }
    }
    expect(unconverged).toBeGreaterThan(hard.c / 2);
  });

  it('tol is respected: a tighter tol gives smaller gaps and no fewer sweeps', async () => {
    const loose = await covLasso(H, { lambdaRatio: 0.01, tol: 1e-3 });
    const tight = await covLasso(H, { lambdaRatio: 0.01, tol: 1e-10 });
    let sumLoose = 0;
    let sumTight = 0;
    let itLoose = 0;
    let itTight = 0;
    for (let t = 0; t < hard.c; t++) {
      const d = hard.S[t * hard.c + t];
      const rl = recompute(hard.S, hard.c, t, loose.lambda[t], loose.coef, t);
      const rt = recompute(hard.S, hard.c, t, tight.lambda[t], tight.coef, t);
      expect(loose.converged[t]).toBe(1);
      expect(tight.converged[t]).toBe(1);
      expect(rl.gap).toBeLessThanOrEqual(1e-3 * d + ROUNDING * d);
      expect(rt.gap).toBeLessThanOrEqual(1e-10 * d + ROUNDING * d);
      expect(tight.objective[t]).toBeLessThanOrEqual(loose.objective[t] + 1e-10 * d);
      sumLoose += rl.gap / d;
      sumTight += rt.gap / d;
      itLoose += loose.iterations[t];
      itTight += tight.iterations[t];
    }
    expect(sumTight).toBeLessThan(sumLoose);
    expect(itTight).toBeGreaterThan(itLoose);
  });
});

describe('covLassoPath()', () => {
  const p = problem('path problem 200x30 (width 10)', 200, 30, 12, { rank: 10 });
  const S = new Matrix(p.c, p.c, p.S);

  it('default: 100 lambdas log-spaced from lambda_max to 1e-3 lambda_max, all certified, first step all zeros', async () => {
    const path = await covLassoPath(S, { tol: 1e-9 });
    const K = 100;
    expect(path.nLambda).toBe(K);
    expect(path.ratios).not.toBeNull();
    const ratios = path.ratios as Float64Array;
    expect(ratios.length).toBe(K);
    for (let l = 0; l < K; l++) expect(Math.abs(ratios[l] - Math.pow(1e-3, l / (K - 1)))).toBeLessThanOrEqual(1e-15);
    expect(ratios[0]).toBe(1);
    expect(Math.abs(ratios[K - 1] - 1e-3)).toBeLessThanOrEqual(1e-18);
    expect(path.targets.length).toBe(p.c);
    expect(path.objective.length).toBe(p.c * K);
    expect(path.coef.cols).toBe(p.c * K);
    for (let k = 0; k < p.c; k++) {
      const col = k * K;
      expect(path.coef.indptr[col + 1] - path.coef.indptr[col]).toBe(0);
      expect(path.lambda[col]).toBe(path.lambdaMax[col]);
      for (let l = 0; l < K; l++) {
        expect(path.lambdaMax[col + l]).toBe(path.lambdaMax[col]);
        expect(Math.abs(path.lambda[col + l] - ratios[l] * path.lambdaMax[col])).toBeLessThanOrEqual(1e-15 * path.lambdaMax[col]);
        expect(path.converged[col + l]).toBe(1);
        if (l > 0) expect(path.lambda[col + l]).toBeLessThan(path.lambda[col + l - 1]);
      }
    }
    // every step of a few targets: certificate and objective recomputed from the coefficients
    for (const t of [0, 11, 29]) {
      for (let l = 0; l < K; l++) {
        const col = t * K + l;
        const rc = recompute(p.S, p.c, t, path.lambda[col], path.coef, col);
        expect(rc.beta[t]).toBe(0);
        expect(rc.gap).toBeLessThanOrEqual(1e-9 * rc.d + ROUNDING * rc.d);
        expect(path.gap[col]).toBeLessThanOrEqual(1e-9 * rc.d);
        expect(Math.abs(path.objective[col] - rc.objective)).toBeLessThanOrEqual(1e-10 * rc.d);
      }
    }
    // objectives along the path match single fits at the same lambda
    for (const l of [0, 1, 30, 70, 99]) {
      const single = await covLasso(S, { lambdaRatio: ratios[l], tol: 1e-9 });
      for (let t = 0; t < p.c; t++) {
        const d = p.S[t * p.c + t];
        expect(single.lambda[t]).toBe(path.lambda[t * K + l]);
        expect(Math.abs(single.objective[t] - path.objective[t * K + l])).toBeLessThanOrEqual(1e-7 * d);
      }
    }
    // pathStep() extracts consistent data
    for (const l of [0, 42, 99]) {
      const step = pathStep(path, l);
      expect(step.coef.cols).toBe(p.c);
      for (let t = 0; t < p.c; t++) {
        const col = t * K + l;
        expect(step.objective[t]).toBe(path.objective[col]);
        expect(step.gap[t]).toBe(path.gap[col]);
        expect(step.lambda[t]).toBe(path.lambda[col]);
        expect(step.iterations[t]).toBe(path.iterations[col]);
        expect(step.converged[t]).toBe(path.converged[col]);
        expect(step.residualVariance[t]).toBe(path.residualVariance[col]);
        expect(sameBytes(denseBeta(step.coef, t), denseBeta(path.coef, col))).toBe(true);
      }
    }
    expect(() => pathStep(path, K)).toThrow(CovlassoRangeError);
    expect(() => pathStep(path, -1)).toThrow(CovlassoRangeError);
  });

  it('nLambda / ratioMin', async () => {
    const path = await covLassoPath(S, { nLambda: 7, ratioMin: 0.05, targets: [3, 4] });
    expect(path.nLambda).toBe(7);
    const ratios = path.ratios as Float64Array;
    for (let l = 0; l < 7; l++) expect(ratios[l]).toBeCloseTo(Math.pow(0.05, l / 6), 14);
    expect(path.objective.length).toBe(14);
    const one = await covLassoPath(S, { nLambda: 1, targets: [3] });
    expect(Array.from(one.ratios as Float64Array)).toEqual([1]);
    expect(one.coef.indptr[1]).toBe(0);
  });

  it('explicit lambdaRatios and lambdas; Sync twin is identical', async () => {
    const lambdaRatios = [0.9, 0.3, 0.1, 0.01];
    const byRatio = await covLassoPath(S, { lambdaRatios, tol: 1e-9 });
    expect(byRatio.nLambda).toBe(4);
    expect(Array.from(byRatio.ratios as Float64Array)).toEqual(lambdaRatios);
    const lambdas = [2, 0.5, 0.1];
    const byLambda = await covLassoPath(S, { lambdas, tol: 1e-9 });
    expect(byLambda.ratios).toBeNull();
    expect(byLambda.nLambda).toBe(3);
    for (let t = 0; t < p.c; t++) {
      for (let l = 0; l < 3; l++) {
        const col = t * 3 + l;
        expect(byLambda.lambda[col]).toBe(lambdas[l]);
        const rc = recompute(p.S, p.c, t, lambdas[l], byLambda.coef, col);
        expect(rc.gap).toBeLessThanOrEqual(1e-9 * rc.d + ROUNDING * rc.d);
        expect(Math.abs(byLambda.objective[col] - rc.objective)).toBeLessThanOrEqual(1e-10 * rc.d);
      }
      for (let l = 0; l < 4; l++) {
        const col = t * 4 + l;
        const rc = recompute(p.S, p.c, t, byRatio.lambda[col], byRatio.coef, col);
        expect(rc.gap).toBeLessThanOrEqual(1e-9 * rc.d + ROUNDING * rc.d);
      }
    }
    const sync = covLassoPathSync(S, { lambdas, tol: 1e-9 });
    expect(sameBytes(sync.objective, byLambda.objective)).toBe(true);
    expect(sameBytes(sync.coef.values, byLambda.coef.values)).toBe(true);
    expect(sameBytes(sync.coef.indices, byLambda.coef.indices)).toBe(true);
  });

  it('validation: nLambda, ratioMin, conflicting or empty lambda lists', async () => {
    const bad: Array<Record<string, unknown>> = [
      { nLambda: 0 },
      { nLambda: 2.5 },
      { nLambda: -3 },
      { ratioMin: 0 },
      { ratioMin: 1.5 },
      { ratioMin: Number.NaN },
      { ratioMin: -0.1 },
      { lambdaRatios: [] },
      { lambdas: [] },
      { lambdaRatios: [0.5], lambdas: [1] },
      { lambdaRatios: [0.5], nLambda: 10 },
      { lambdas: [1], ratioMin: 0.01 },
    ];
    for (const opts of bad) {
      await expect(covLassoPath(S, opts)).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT', name: 'CovlassoRangeError' });
      expect(() => covLassoPathSync(S, opts)).toThrow(CovlassoRangeError);
    }
    await expect(covLassoPath(S, { lambdaRatios: [0.5, -0.1] })).rejects.toMatchObject({ code: 'ERR_COVLASSO_NEGATIVE_LAMBDA' });
    await expect(covLassoPath(S, { lambdas: [1, Number.NaN] })).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
  });
});

/**
 * The options users of scikit-learn and glmnet expect: positive, penalty factors, elastic net,
 * warm starts, early path stop. Each checked against scikit-learn values (hard-coded below)
 * and against the plain reference in support/reference-general.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { covarianceSync, covLassoPathSync, covLassoSync, Matrix, pathStep } from '../lib';
import { bestResidualVariances, symmetricEigen } from '../lib/toolkit/linalg';
import { denseBeta } from './support/helpers';
import { generalObjective, referenceGeneral } from './support/reference-general';
import { randomLogits, targetProblem } from './support/reference-lasso';

// F[i][j] = sin(0.7 i + 1.3 j²) + 0.5 cos(0.3 i j) + 0.2 j, 40 × 6; S = FᵀF/40.
const N = 40;
const C = 6;
const F = new Float64Array(N * C);
for (let i = 0; i < N; i++) for (let j = 0; j < C; j++) F[i * C + j] = Math.sin(0.7 * i + 1.3 * j * j) + 0.5 * Math.cos(0.3 * i * j) + 0.2 * j;
const S = covarianceSync(new Matrix(N, C, F));
const SD = S.data as Float64Array;

// scikit-learn 1.2.1 (Debian), tol 1e-14, max_iter 1e6, fit_intercept=False, alpha = 0.05·λ_max:
// Lasso(positive=True) and ElasticNet(l1_ratio=0.5); objectives in our formula.
const sklearn: Record<string, { objective: number; coef: number[] }> = {
  'positive-0': { objective: 0.10429967015796865, coef: [0, 0.3521041294287253, 0.4750156438202542, 0.18202087834100217, 0, 0.20551919950272454] },
  'positive-3': { objective: 0.13312900780424322, coef: [0.1442232179782997, 0, 0.6804843460452132, 0, 0.02574633529111443, 0.1073193923545966] },
  'enet-0': { objective: 0.07904594899787745, coef: [0, 0.3637725673032343, 0.40556140797902895, 0.21793325988265616, -0.14315871976916056, 0.3015541070786205] },
  'enet-3': { objective: 0.11521529757382665, coef: [0.3206286589671954, -0.19775994493772975, 0.5378561565451845, 0, 0.06543981127593324, 0.10468866332941809] },
};

describe('positive and elastic net match scikit-learn', () => {
  it.each([0, 3])('positive=True, target %i', (t) => {
    const r = covLassoSync(S, { targets: [t], lambdaRatio: 0.05, positive: true, tol: 1e-10 });
    const beta = denseBeta(r.coef, 0);
    expect(r.converged[0]).toBe(1);
    expect(Math.min(...beta)).toBeGreaterThanOrEqual(0);
    const d = SD[t * C + t];
    expect(Math.abs(r.objective[0] - sklearn[`positive-${t}`].objective)).toBeLessThanOrEqual(1e-9 * d);
    sklearn[`positive-${t}`].coef.forEach((v, j) => expect(beta[j]).toBeCloseTo(v, 6));
  });

  it.each([0, 3])('l1Ratio=0.5, target %i', (t) => {
    const r = covLassoSync(S, { targets: [t], lambdaRatio: 0.05 * 0.5, l1Ratio: 0.5, tol: 1e-10 });
    // λ_max with l1Ratio is max|s_j| / l1Ratio, so ratio 0.025 gives λ = 0.05·max|s_j| as in sklearn.
    const { s, d } = targetProblem(SD, C, t);
    expect(r.lambda[0]).toBeCloseTo(0.05 * Math.max(...Array.from(s).filter((_, j) => j !== t).map(Math.abs)), 14);
    expect(r.converged[0]).toBe(1);
    expect(Math.abs(r.objective[0] - sklearn[`enet-${t}`].objective)).toBeLessThanOrEqual(1e-9 * d);
    const beta = denseBeta(r.coef, 0);
    expect(generalObjective(SD, C, s, d, { lambda: r.lambda[0], l1Ratio: 0.5, exclude: t }, beta)).toBeCloseTo(r.objective[0], 12);
    sklearn[`enet-${t}`].coef.forEach((v, j) => expect(beta[j]).toBeCloseTo(v, 6));
  });
});

describe('penalty factors', () => {
  const c = 30;
  const S2 = covarianceSync(new Matrix(300, c, randomLogits(300, c, 5, { rank: 12 })));
  const S2D = S2.data as Float64Array;

  it('all ones is the plain lasso, bitwise', () => {
    const plain = covLassoSync(S2, { lambdaRatio: 0.1 });
    const ones = covLassoSync(S2, { lambdaRatio: 0.1, penaltyFactor: new Array(c).fill(1) });
    expect(Buffer.from(ones.objective.buffer).equals(Buffer.from(plain.objective.buffer))).toBe(true);
    expect(Array.from(ones.coef.values)).toEqual(Array.from(plain.coef.values));
  });

  it('uniform factor 2 at λ equals factor 1 at 2λ', () => {
    const twice = covLassoSync(S2, { lambda: 0.02, penaltyFactor: new Array(c).fill(2), tol: 1e-9 });
    const plain = covLassoSync(S2, { lambda: 0.04, tol: 1e-9 });
    for (let k = 0; k < c; k++) expect(Math.abs(twice.objective[k] - plain.objective[k])).toBeLessThanOrEqual(2e-9 * S2D[k * c + k]);
  });

  it('weighted and unpenalised categories match the plain reference', () => {
    const weights = Array.from({ length: c }, (_, j) => (j % 7 === 0 ? 0 : 0.5 + (j % 3)));
    const r = covLassoSync(S2, { targets: [1, 2, 3, 8], lambdaRatio: 0.2, penaltyFactor: weights, tol: 1e-10 });
    for (let k = 0; k < 4; k++) {
      const t = r.targets[k];
      const { s, d } = targetProblem(S2D, c, t);
      const pen = { lambda: r.lambda[k], weights, exclude: t };
      const ref = referenceGeneral(S2D, c, s, d, pen);
      const beta = denseBeta(r.coef, k);
      expect(r.converged[k]).toBe(1);
      expect(generalObjective(S2D, c, s, d, pen, beta)).toBeCloseTo(r.objective[k], 12);
      expect(r.objective[k]).toBeLessThanOrEqual(generalObjective(S2D, c, s, d, pen, ref) + 1e-9 * d);
      // unpenalised categories (0, 7, 14, 21, 28 except the target) are free to be non-zero
      expect([0, 7, 14, 21, 28].filter((j) => j !== t).some((j) => beta[j] !== 0)).toBe(true);
    }
  });

  it('positive with weights matches the reference on a singular covariance', () => {
    const weights = Array.from({ length: c }, (_, j) => 1 + (j % 4) / 2);
    const r = covLassoSync(S2, { targets: [4, 9], lambdaRatio: 0.05, penaltyFactor: weights, positive: true, tol: 1e-10 });
    for (let k = 0; k < 2; k++) {
      const t = r.targets[k];
      const { s, d } = targetProblem(S2D, c, t);
      const pen = { lambda: r.lambda[k], weights, positive: true, exclude: t };
      const ref = referenceGeneral(S2D, c, s, d, pen);
      expect(Math.min(...denseBeta(r.coef, k))).toBeGreaterThanOrEqual(0);
      expect(r.objective[k]).toBeLessThanOrEqual(generalObjective(S2D, c, s, d, pen, ref) + 1e-9 * d);
    }
  });

  it('positive with unpenalised categories is certified (a coordinate held at β = 0 with g < 0 is optimal)', () => {
    const weights = Array.from({ length: c }, (_, j) => (j % 3 === 1 ? 0 : 1));
    const r = covLassoSync(S2, { lambdaRatio: 0.05, penaltyFactor: weights, positive: true, maxIter: 5000 });
    expect(Array.from(r.converged).every((v) => v === 1)).toBe(true);
    for (let k = 0; k < r.targets.length; k++) {
      const t = r.targets[k];
      const { s, d } = targetProblem(S2D, c, t);
      const pen = { lambda: r.lambda[k], weights, positive: true, exclude: t };
      expect(Math.min(...denseBeta(r.coef, k))).toBeGreaterThanOrEqual(0);
      expect(r.objective[k]).toBeLessThanOrEqual(generalObjective(S2D, c, s, d, pen, referenceGeneral(S2D, c, s, d, pen)) + 1e-6 * d);
    }
  });
});

describe('positive with an unpenalised coordinate at its bound', () => {
  // Source 1 is the negated target plus noise: under β ≥ 0 its optimum is β_1 = 0 with g_1 < 0,
  // which the unpenalised KKT check must accept ((g_1⁺)², not g_1²), or the target never converges.
  it('is certified at β_1 = 0 and matches the reference', () => {
    const n = 200;
    const F = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      const x = Math.sin(1.7 * i) + 0.3 * Math.cos(0.9 * i * i);
      F[i * 3] = x;
      F[i * 3 + 1] = -x + 0.2 * Math.sin(2.3 * i + 1);
      F[i * 3 + 2] = 0.5 * x + Math.cos(0.4 * i);
    }
    const S4 = covarianceSync(new Matrix(n, 3, F));
    const S4D = S4.data as Float64Array;
    const weights = [1, 0, 1];
    const r = covLassoSync(S4, { targets: [0], lambdaRatio: 0.1, penaltyFactor: weights, positive: true, tol: 1e-10 });
    expect(r.converged[0]).toBe(1);
    const beta = denseBeta(r.coef, 0);
    expect(beta[1]).toBe(0);
    const { s, d } = targetProblem(S4D, 3, 0);
    const pen = { lambda: r.lambda[0], weights, positive: true, exclude: 0 };
    const ref = referenceGeneral(S4D, 3, s, d, pen);
    expect(r.objective[0]).toBeLessThanOrEqual(generalObjective(S4D, 3, s, d, pen, ref) + 1e-9 * d);
  });
});

describe('warm starts and early path stop', () => {
  const c = 40;
  const S3 = covarianceSync(new Matrix(500, c, randomLogits(500, c, 9, { rank: 15 })));

  it('a warm start at the solution needs no sweeps and keeps the objective', () => {
    const cold = covLassoSync(S3, { lambdaRatio: 0.05 });
    const warm = covLassoSync(S3, { lambdaRatio: 0.05, warmStart: cold.coef });
    for (let k = 0; k < c; k++) {
      expect(warm.iterations[k]).toBe(0);
      expect(warm.objective[k]).toBe(cold.objective[k]);
    }
  });

  it('a warm start from a nearby λ converges to the same objective in fewer sweeps', () => {
    const near = covLassoSync(S3, { lambdaRatio: 0.06 });
    const cold = covLassoSync(S3, { lambdaRatio: 0.05 });
    const warm = covLassoSync(S3, { lambdaRatio: 0.05, warmStart: near.coef });
    let coldSweeps = 0;
    let warmSweeps = 0;
    for (let k = 0; k < c; k++) {
      coldSweeps += cold.iterations[k];
      warmSweeps += warm.iterations[k];
      expect(warm.converged[k]).toBe(1);
      expect(Math.abs(warm.objective[k] - cold.objective[k])).toBeLessThanOrEqual(2e-6 * S3.data[k * c + k]);
    }
    expect(warmSweeps).toBeLessThan(coldSweeps);
  });

  it('rejects malformed warm starts with typed errors', () => {
    const cold = covLassoSync(S3, { targets: [0, 1], lambdaRatio: 0.1 });
    expect(() => covLassoSync(S3, { targets: [0], warmStart: cold.coef })).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_SHAPE_MISMATCH' }));
    const selfRef = { ...cold.coef, indices: Int32Array.from(cold.coef.indices), values: Float64Array.from(cold.coef.values) };
    selfRef.indices[0] = 0; // target 0 among its own sources
    if (selfRef.indptr[1] > 0) expect(() => covLassoSync(S3, { targets: [0, 1], warmStart: selfRef })).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' }));
  });

  it('stopRelativeError ends each path once the error is small; the solved prefix is unchanged', () => {
    const full = covLassoPathSync(S3, { nLambda: 30 });
    const early = covLassoPathSync(S3, { nLambda: 30, stopRelativeError: 0.05 });
    const K = 30;
    let stoppedSomewhere = false;
    for (let k = 0; k < c; k++) {
      const len = early.pathLength[k];
      expect(full.pathLength[k]).toBe(K);
      expect(len).toBeGreaterThanOrEqual(1);
      if (len < K) {
        stoppedSomewhere = true;
        expect(early.relativeError[k * K + len - 1]).toBeLessThanOrEqual(0.05);
        expect(Number.isNaN(early.objective[k * K + len])).toBe(true);
        expect(early.coef.indptr[k * K + len + 1] - early.coef.indptr[k * K + len]).toBe(0);
      }
      for (let l = 0; l < len; l++) expect(early.objective[k * K + l]).toBe(full.objective[k * K + l]);
      for (let l = 0; l < len - 1; l++) expect(early.relativeError[k * K + l]).toBeGreaterThan(0.05);
    }
    expect(stoppedSomewhere).toBe(true);
    expect(pathStep(early, 0).objective.length).toBe(c);
  });
});

describe('option validation', () => {
  it.each([
    [{ l1Ratio: 0 }, 'ERR_COVLASSO_INVALID_ARGUMENT'],
    [{ l1Ratio: 1.5 }, 'ERR_COVLASSO_INVALID_ARGUMENT'],
    [{ penaltyFactor: [1, 2] }, 'ERR_COVLASSO_SHAPE_MISMATCH'],
    [{ penaltyFactor: [1, 1, 1, -1, 1, 1] }, 'ERR_COVLASSO_INVALID_ARGUMENT'],
    [{ penaltyFactor: [1, 1, 1, NaN, 1, 1] }, 'ERR_COVLASSO_INVALID_ARGUMENT'],
    [{ positive: 'yes' }, 'ERR_COVLASSO_INVALID_ARGUMENT'],
  ])('%j → %s', (opts, code) => {
    expect(() => covLassoSync(S, opts as never)).toThrow(expect.objectContaining({ code }));
  });

  it('rejects a negative stopRelativeError', () => {
    expect(() => covLassoPathSync(S, { stopRelativeError: -1 })).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' }));
  });
});

describe('λ → 0 on singular and near-singular covariances', () => {
  const n = 200;
  const c = 30;
  const singular = randomLogits(n, c, 17, { rank: 8 });
  const nearSingular = Float64Array.from(singular, (v, i) => v + 1e-4 * Math.sin(1.7 * i + 0.3 * i * i));
  for (const [name, F] of [['singular (rank 9)', singular], ['near-singular (rank 9 + 1e-4 noise)', nearSingular]] as const) {
    it.each([1e-3, 1e-5])(`${name}, lambdaRatio %s: certified, honest, never worse than the reference, above the least-squares bound`, (ratio) => {
      const S = covarianceSync(new Matrix(n, c, F));
      const SD = S.data as Float64Array;
      const lsBound = bestResidualVariances(symmetricEigen(SD, c));
      const r = covLassoSync(S, { lambdaRatio: ratio });
      for (let k = 0; k < c; k++) {
        const { s, d } = targetProblem(SD, c, k);
        const beta = denseBeta(r.coef, k);
        const pen = { lambda: r.lambda[k], exclude: k };
        expect(r.converged[k]).toBe(1);
        expect(r.gap[k]).toBeLessThanOrEqual(1e-6 * d);
        expect(generalObjective(SD, c, s, d, pen, beta)).toBeCloseTo(r.objective[k], 10);
        // No β does better than the least-squares residual with every other category.
        expect(r.objective[k]).toBeGreaterThanOrEqual(0.5 * lsBound[k] - 1e-9 * d);
        const ref = referenceGeneral(SD, c, s, d, pen, 20000);
        expect(r.objective[k]).toBeLessThanOrEqual(generalObjective(SD, c, s, d, pen, ref) + 1e-6 * d);
      }
    });
  }
});

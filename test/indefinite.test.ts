/**
 * Issue #13, item 8: an indefinite "covariance" is never certified. A negative duality gap or a
 * negative residual variance r² (beyond rounding) proves that S is not positive semidefinite, so
 * the objective is unbounded below and no β can be certified: every solve refuses it with
 * NotPositiveSemidefiniteError (`ERR_COVLASSO_NOT_PSD`), on the async and Sync calls, single λ
 * and paths, intra-model and general problems. Singular and ill-conditioned PSD covariances (and
 * real logits' covariances) still converge everywhere with gaps ≥ −tol·d: the check has no
 * false alarms.
 */
import { describe, expect, it } from '@jest/globals';
import {
  Matrix,
  NotPositiveSemidefiniteError,
  covLasso,
  covLassoPath,
  covLassoPathSync,
  covLassoSync,
  generalProblem,
  solveGeneral,
} from '../lib';
import { lowRankCovariance, randomCovariance } from './support/helpers';
import { gaussian } from './support/reference-lasso';

const C = 30;

/** A PSD covariance minus (its Rayleigh quotient along v + 0.3)·vvᵀ/‖v‖²: one negative eigenvalue. */
function indefinite(seed: number): Float64Array {
  const S = randomCovariance(60, C, seed);
  const g = gaussian(seed + 100);
  const v = Float64Array.from({ length: C }, () => g());
  let vv = 0;
  let vSv = 0;
  for (let i = 0; i < C; i++) {
    vv += v[i] * v[i];
    for (let j = 0; j < C; j++) vSv += v[i] * S[i * C + j] * v[j];
  }
  const shift = vSv / vv + 0.3;
  for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) S[i * C + j] -= (shift * v[i] * v[j]) / vv;
  return S;
}

/** Two categories beyond Cauchy–Schwarz: |S_01| = 1.5·sqrt(S_00·S_11) (a negative 2×2 minor). */
function brokenPair(seed: number): Float64Array {
  const S = randomCovariance(60, C, seed);
  S[1] = S[C] = 1.5 * Math.sqrt(S[0] * S[C + 1]);
  return S;
}

function hasPositiveDiagonal(S: Float64Array): boolean {
  for (let i = 0; i < C; i++) if (!(S[i * C + i] > 0)) return false;
  return true;
}

describe('an indefinite covariance is never certified', () => {
  // The lambda ratios at which the solver reaches the negative direction: at a large λ the
  // penalty may keep β where S looks convex (see the README: such a solve is a local one).
  const cases: [string, Float64Array, number[]][] = [
    ['a PSD matrix minus a rank-one term', indefinite(3), [0.1, 0.01]],
    ['one pair beyond Cauchy-Schwarz', brokenPair(4), [0.5, 0.1, 0.01]],
  ];

  it.each(cases)('%s has a positive diagonal (so only the certificate can catch it)', (_name, S, _ratios) => {
    expect(hasPositiveDiagonal(S)).toBe(true);
  });

  it.each(cases)('covLasso refuses %s with ERR_COVLASSO_NOT_PSD', async (_name, S, ratios) => {
    for (const lambdaRatio of ratios) {
      const run = covLasso(new Matrix(C, C, S), { lambdaRatio });
      await expect(run).rejects.toBeInstanceOf(NotPositiveSemidefiniteError);
      await expect(run).rejects.toMatchObject({ code: 'ERR_COVLASSO_NOT_PSD', message: expect.stringMatching(/not positive semidefinite: target \d+/) });
      expect(() => covLassoSync(new Matrix(C, C, S), { lambdaRatio })).toThrow(NotPositiveSemidefiniteError);
    }
  });

  it.each(cases)('covLassoPath refuses %s (a path never reports a negative gap as converged)', async (_name, S, _ratios) => {
    await expect(covLassoPath(new Matrix(C, C, S), { nLambda: 20, ratioMin: 1e-3 })).rejects.toMatchObject({ code: 'ERR_COVLASSO_NOT_PSD' });
    expect(() => covLassoPathSync(new Matrix(C, C, S), { nLambda: 20, ratioMin: 1e-3, threads: 1 })).toThrow(NotPositiveSemidefiniteError);
  });

  it('the general form refuses an indefinite Gram (sources 0..19, targets 20..29)', async () => {
    const S = indefinite(5);
    const P = 20;
    const M = C - P;
    const G = new Float64Array(P * P);
    const X = new Float64Array(P * M);
    const d = new Float64Array(M);
    for (let i = 0; i < P; i++) {
      for (let j = 0; j < P; j++) G[i * P + j] = S[i * C + j];
      for (let t = 0; t < M; t++) X[i * M + t] = S[i * C + P + t];
    }
    for (let t = 0; t < M; t++) d[t] = S[(P + t) * C + P + t];
    const problem = generalProblem(new Matrix(P, P, G), new Matrix(P, M, X), d);
    await expect(solveGeneral(problem, { path: { lambdaRatios: [0.1, 0.01, 0.001] } })).rejects.toMatchObject({ code: 'ERR_COVLASSO_NOT_PSD' });
  });

  it('penalty factors with unpenalised categories do not hide it', async () => {
    const S = brokenPair(6);
    const penaltyFactor = Float64Array.from({ length: C }, (_, j) => (j % 5 === 4 ? 0 : 1));
    await expect(covLassoPath(new Matrix(C, C, S), { nLambda: 10, penaltyFactor })).rejects.toMatchObject({ code: 'ERR_COVLASSO_NOT_PSD' });
  });
});

describe('PSD covariances are never refused (no false alarms)', () => {
  // With unpenalised categories the gap is not a bound until they are optimal (see judge() in
  // native/core/lasso_penalty.hpp): only convergence is checked then.
  function expectCertified(r: { converged: Uint8Array; gap: Float64Array; residualVariance: Float64Array }, S: Float64Array, targets: Int32Array, nLambda: number, tol = 1e-6, gapIsBound = true): void {
    for (let k = 0; k < r.converged.length; k++) {
      const d = S[targets[Math.floor(k / nLambda)] * (C + 1)];
      expect(r.converged[k]).toBe(1);
      if (gapIsBound) expect(r.gap[k]).toBeGreaterThanOrEqual(-tol * d);
      expect(r.residualVariance[k]).toBeGreaterThanOrEqual(0);
    }
  }

  it('a singular covariance (rank 5 of 30) converges along a path to 1e-4', async () => {
    const S = randomCovariance(40, C, 7, 5);
    const r = await covLassoPath(new Matrix(C, C, S), { nLambda: 30, ratioMin: 1e-4 });
    expectCertified(r, S, r.targets, r.nLambda);
  });

  it('a rank-3 covariance with duplicated categories converges at tol 1e-10', async () => {
    const S = lowRankCovariance(C, 3, 8);
    for (let j = 0; j < C; j++) S[j * C + 1] = S[1 * C + j] = S[j * C + 0];  // category 1 := category 0
    S[1 * C + 1] = S[0];
    const r = await covLassoPath(new Matrix(C, C, S), { nLambda: 15, ratioMin: 1e-3, tol: 1e-10 });
    expectCertified(r, S, r.targets, r.nLambda, 1e-10);
  });

  it('an ill-conditioned covariance (eigenvalues from 1 to 1e-12) converges with penalty factors and the elastic net', async () => {
    const S = lowRankCovariance(C, 8, 9, 1e-12);
    const penaltyFactor = Float64Array.from({ length: C }, (_, j) => (j % 7 === 3 ? 0 : 1));
    for (const options of [{ penaltyFactor }, { l1Ratio: 0.5 }, { positive: true }]) {
      const r = await covLassoPath(new Matrix(C, C, S), { nLambda: 12, ratioMin: 1e-3, ...options });
      expectCertified(r, S, r.targets, r.nLambda, 1e-6, !('penaltyFactor' in options));
    }
  });
});

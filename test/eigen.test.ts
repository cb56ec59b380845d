/**
 * The native eigensolvers against independent references: the dense solver against the plain
 * TypeScript tred2/tql2 (test/support/reference-eigen.ts) and against its own residuals, on
 * random, singular, duplicated and ill-conditioned matrices; the range solver against the dense
 * one on low-rank covariances (synthetic and the real cjk1000 logits) up to C = 1500.
 */
import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CovlassoAbortError,
  Matrix,
  NotFiniteError,
  bestResidualVariances,
  covarianceSync,
  dependencyDiagnostics,
  numericalRank,
  rangeEigen,
  rangeEigenSync,
  readNpySync,
  symmetricEigen,
} from '../lib';
import { referenceEigen } from './support/reference-eigen';
import { gaussian } from './support/reference-lasso';

/** W Wᵀ for a random n×r W (rank r), with optional duplicated rows and a scale spread. */
function lowRank(n: number, r: number, seed: number, spread = 1): Float64Array {
  const g = gaussian(seed);
  const W = new Float64Array(n * r);
  for (let i = 0; i < n; i++) for (let k = 0; k < r; k++) W[i * r + k] = g() * Math.pow(spread, -k / Math.max(1, r - 1));
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += W[i * r + k] * W[j * r + k];
      S[i * n + j] = S[j * n + i] = s;
    }
  }
  return S;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** max_k ‖S v_k − λ_k v_k‖ and max |VᵀV − I| for vectors as columns of an n×k matrix. */
function residuals(S: Float64Array, n: number, values: Float64Array, V: Float64Array, k: number): { residual: number; orthogonality: number } {
  let residual = 0;
  let orthogonality = 0;
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let l = 0; l < n; l++) s += S[i * n + l] * V[l * k + j];
      residual = Math.max(residual, Math.abs(s - values[j] * V[i * k + j]));
    }
    for (let j2 = 0; j2 <= j; j2++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += V[i * k + j] * V[i * k + j2];
      orthogonality = Math.max(orthogonality, Math.abs(d - (j === j2 ? 1 : 0)));
    }
  }
  return { residual, orthogonality };
}

describe('symmetricEigen (native dense)', () => {
  const cases: Array<[string, number, Float64Array]> = [
    ['random full rank', 60, (() => { const g = gaussian(2); const n = 60; const S = new Float64Array(n * n); for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) S[i * n + j] = S[j * n + i] = g(); return S; })()],
    ['singular (rank 7)', 80, lowRank(80, 7, 3)],
    ['ill-conditioned (spread 1e6)', 50, lowRank(50, 50, 4, 1e6)],
    ['duplicated categories', 40, (() => { const S = lowRank(40, 10, 5); for (let j = 0; j < 40; j++) { S[39 * 40 + j] = S[0 * 40 + j]; S[j * 40 + 39] = S[j * 40 + 0]; } S[39 * 40 + 39] = S[0]; return S; })()],
    ['1x1', 1, Float64Array.of(3)],
  ];
  it.each(cases)('%s: matches the TypeScript reference and its own residuals', (_name, n, S) => {
    const ref = referenceEigen(S, n, true);
    const eig = symmetricEigen(S, n, true);
    const scale = Math.max(1e-300, maxAbs(ref.values));
    for (let k = 0; k < n; k++) expect(Math.abs(eig.values[k] - ref.values[k])).toBeLessThanOrEqual(1e-12 * scale);
    const { residual, orthogonality } = residuals(S, n, eig.values, eig.vectors!, n);
    expect(residual).toBeLessThanOrEqual(1e-11 * scale);
    expect(orthogonality).toBeLessThanOrEqual(1e-11);
    expect(Array.from(symmetricEigen(S, n, false).values)).toEqual(Array.from(eig.values));
  });

  it('gives the same values whatever the thread count', () => {
    const S = lowRank(300, 40, 9);
    const one = symmetricEigen(S, 300, true, { threads: 1 });
    const two = symmetricEigen(S, 300, true, { threads: 2 });
    expect(Array.from(two.values)).toEqual(Array.from(one.values));
    expect(Array.from(two.vectors!)).toEqual(Array.from(one.vectors!));
  });

  it('rejects non-finite and mis-shaped input by code', () => {
    const S = lowRank(5, 2, 1);
    S[7] = NaN;
    expect(() => symmetricEigen(S, 5)).toThrow(NotFiniteError);
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_SHAPE_MISMATCH' }));
  });
});

describe('rangeEigen (randomized subspace of the numerical range)', () => {
  it('finds the whole range of a rank-200 covariance of 1500 categories, like the dense solver', async () => {
    const n = 1500;
    const S = lowRank(n, 200, 11);
    const dense = symmetricEigen(S, n, true);
    const fractions: number[] = [];
    const eig = await rangeEigen(new Matrix(n, n, S), { initialRank: 100, oversample: 16, onProgress: (f) => fractions.push(f) });
    expect(eig.complete).toBe(true);
    expect(eig.rank).toBe(200);
    expect(eig.rank).toBe(numericalRank(dense.values));
    expect(eig.k).toBeGreaterThan(200); // it had to grow past the first 116 columns
    const top = maxAbs(dense.values);
    for (let j = 0; j < eig.k; j++) expect(Math.abs(eig.values[j] - dense.values[n - eig.k + j])).toBeLessThanOrEqual(1e-10 * top);
    const { residual, orthogonality } = residuals(S, n, eig.values, eig.vectors!, eig.k);
    expect(residual).toBeLessThanOrEqual(1e-9 * top);
    expect(orthogonality).toBeLessThanOrEqual(1e-10);
    const bestDense = bestResidualVariances(dense);
    const bestRange = bestResidualVariances(eig);
    expect(Array.from(bestRange)).toEqual(Array.from(bestDense)); // rank < n: every category is exactly dependent
    expect(fractions.length).toBeGreaterThan(0);
    expect(fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1] || f < 0.5))).toBe(true);
  }, 120_000);

  const cjk = path.resolve(__dirname, '../../shared/data/cjk1000/logits.npy');
  (fs.existsSync(cjk) ? it : it.skip)('on the real cjk1000 covariance (centered, rank 107 in float64) agrees with the dense solver', () => {
    const a = readNpySync(cjk);
    const X = new Matrix(8000, 1000, Float64Array.from((a.data as Float32Array).subarray(0, 8000 * 1000)));
    const S = covarianceSync(X, { center: true });
    const dense = symmetricEigen(S.data, 1000, true);
    const eig = rangeEigenSync(S, { initialRank: 64 });
    expect(eig.complete).toBe(true);
    expect(eig.rank).toBe(numericalRank(dense.values));
    expect(eig.rank).toBe(107);
    const top = maxAbs(dense.values);
    for (let j = eig.k - eig.rank; j < eig.k; j++) expect(Math.abs(eig.values[j] - dense.values[1000 - eig.k + j])).toBeLessThanOrEqual(1e-9 * top);
  }, 120_000);

  it('a full-rank matrix ends with the complete decomposition (k = n)', () => {
    const g = gaussian(5);
    const n = 90;
    const W = new Float64Array(n * n).map(() => g());
    const S = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let k = 0; k < n; k++) s += W[i * n + k] * W[j * n + k]; S[i * n + j] = s; }
    const eig = rangeEigenSync(new Matrix(n, n, S), { initialRank: 16, oversample: 4 });
    expect(eig.k).toBe(n);
    expect(eig.rank).toBe(n);
    const dense = symmetricEigen(S, n, false);
    for (let j = 0; j < n; j++) expect(Math.abs(eig.values[j] - dense.values[j])).toBeLessThanOrEqual(1e-9 * maxAbs(dense.values));
  });

  it('is deterministic and aborts by signal', async () => {
    const S = new Matrix(400, 400, lowRank(400, 30, 2));
    const a = rangeEigenSync(S, { initialRank: 40 });
    const b = rangeEigenSync(S, { initialRank: 40, threads: 1 });
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    const controller = new AbortController();
    controller.abort();
    await expect(rangeEigen(S, { signal: controller.signal })).rejects.toBeInstanceOf(CovlassoAbortError);
    expect(() => rangeEigenSync(S, { initialRank: 0 })).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' }));
  });
});

describe('dependencyDiagnostics with the range eigensolver', () => {
  it('gives the rank and best errors of the dense solver', async () => {
    const n = 300;
    const S = new Matrix(n, n, lowRank(n, 25, 6));
    const dense = await dependencyDiagnostics(S, { eigensolver: 'dense' });
    const range = await dependencyDiagnostics(S, { eigensolver: 'range', rankHint: 20 });
    expect(range.eigensolver).toBe('range');
    expect(dense.eigensolver).toBe('dense');
    expect(range.rank).toBe(dense.rank);
    expect(range.bestRelativeError).toEqual(dense.bestRelativeError);
    expect(range.lasso).toEqual(dense.lasso);
    const top = dense.spectrum[0];
    range.spectrum.slice(0, range.rank).forEach((v, i) => expect(Math.abs(v - dense.spectrum[i])).toBeLessThanOrEqual(1e-10 * top));
  });
});

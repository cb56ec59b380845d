/**
 * The factored covariance of a linear head equals the dense S that covariance() builds from the
 * logits H Wᵀ + 1bᵀ (float64 products) within 1e-12 of max|S|: its columns, its products with
 * dense and sparse blocks, its diagonal and its dense form, second moment and centered, with and
 * without bias; on a random head (C = 2000, d = 256) and on a rank-128 factorisation of the real
 * cjk1000 logits (rows 0..7999, skipped when absent). covLasso on toDense() matches covLasso on
 * the dense covariance, and covLasso on the factored form itself (the solver of issue #11, S never
 * formed) does too (objectives within 1e-9·S_tt, both certified). Bad heads are typed errors.
 */
import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CovarianceAccumulator, covarianceSync, covLassoSync, CovlassoAbortError, CovlassoRangeError, factoredCovariance, FactoredCovariance,
  Matrix, NotFiniteError, readNpyRows, symmetricEigen,
} from '../lib';
import { gaussian } from '../lib/random';
import { loadNative } from '../lib/runtime/native';
import { codeOf } from './support/helpers';

/** A (n×k) · B (k×m)ᵀ... : out[i, j] = Σ_l a[i, l]·b[j, l] (+ bias[j]), float64. */
function timesTransposed(a: ArrayLike<number>, n: number, k: number, b: ArrayLike<number>, m: number, bias?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(n * m);
  const bt = new Float64Array(k * m); // bᵀ, k×m, for row-major inner loops
  for (let j = 0; j < m; j++) for (let l = 0; l < k; l++) bt[l * m + j] = b[j * k + l];
  for (let i = 0; i < n; i++) {
    const row = out.subarray(i * m, (i + 1) * m);
    if (bias) for (let j = 0; j < m; j++) row[j] = bias[j];
    for (let l = 0; l < k; l++) {
      const v = a[i * k + l];
      const col = bt.subarray(l * m, (l + 1) * m);
      for (let j = 0; j < m; j++) row[j] += v * col[j];
    }
  }
  return out;
}

function randomArray(n: number, seed: number, scale = 1, shift = 0): Float64Array {
  const g = gaussian(seed);
  return Float64Array.from({ length: n }, () => shift + scale * g());
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function relErr(got: ArrayLike<number>, want: ArrayLike<number>, scale: number): number {
  expect(got.length).toBe(want.length);
  let e = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    e = Number.isNaN(d) ? Infinity : Math.max(e, d);
  }
  return e / scale;
}

/** Columns T of a dense C×C matrix, C×k. */
function denseColumns(S: Float64Array, C: number, T: number[]): Float64Array {
  const out = new Float64Array(C * T.length);
  for (let i = 0; i < C; i++) T.forEach((t, c) => (out[i * T.length + c] = S[i * C + t]));
  return out;
}

/** Checks every product of F against the dense S (C×C). */
function checkProducts(F: FactoredCovariance, S: Float64Array, C: number, seed: number): void {
  const scale = maxAbs(S);
  const T = [0, 1, 7, C - 1, Math.floor(C / 2)];
  expect(relErr(F.columnsSync(T).data, denseColumns(S, C, T), scale)).toBeLessThan(1e-12);
  const diag = Float64Array.from({ length: C }, (_, i) => S[i * C + i]);
  expect(relErr(F.diagonalSync(), diag, scale)).toBeLessThan(1e-12);
  const k = 3;
  const B = randomArray(C * k, seed);
  const SB = timesTransposed(S, C, C, Float64Array.from({ length: k * C }, (_, q) => B[(q % C) * k + Math.floor(q / C)]), k);
  expect(relErr(F.timesSync(new Matrix(C, k, B)).data, SB, maxAbs(SB))).toBeLessThan(1e-12);
  // Sparse coefficient columns: column c has sources 3c, 3c+5, 3c+11.
  const indices = Int32Array.from({ length: 3 * k }, (_, q) => (3 * Math.floor(q / 3) + [0, 5, 11][q % 3]) % C);
  const values = randomArray(3 * k, seed + 1);
  const dense = new Float64Array(C * k);
  indices.forEach((r, q) => (dense[r * k + Math.floor(q / 3)] += values[q]));
  const sparse = F.timesSync({ indptr: Int32Array.from([0, 3, 6, 9]), indices, values });
  const viaDense = F.timesSync(new Matrix(C, k, dense)).data;
  expect(relErr(sparse.data, viaDense, maxAbs(viaDense))).toBeLessThan(1e-13);
  const SD = F.toDenseSync();
  expect(relErr(SD.data, S, scale)).toBeLessThan(1e-12);
}

/**
 * covLasso on the factored form itself (the solver never forms S) and on its dense S agree with
 * covLasso on the dense S of the logits: objectives within 1e-9·S_tt, each certified. Solved to
 * tol 1e-11, so the certificates alone bound the difference (two solutions within the default
 * tol could differ by up to 1e-6·S_tt).
 */
function checkLasso(F: FactoredCovariance, S: Float64Array, C: number, targets: number[]): void {
  const options = { targets, lambdaRatio: 0.1, tol: 1e-11 };
  const a = covLassoSync(new Matrix(C, C, S), options);
  const b = covLassoSync(F.toDenseSync(), options);
  const f = covLassoSync(F, options);
  targets.forEach((t, k) => {
    expect(a.converged[k] && b.converged[k] && f.converged[k]).toBe(1);
    expect(f.gap[k]).toBeLessThanOrEqual(1e-11 * S[t * C + t]);
    expect(Math.abs(a.objective[k] - b.objective[k])).toBeLessThanOrEqual(1e-9 * S[t * C + t]);
    expect(Math.abs(a.objective[k] - f.objective[k])).toBeLessThanOrEqual(1e-9 * S[t * C + t]);
    expect(f.lambdaMax[k]).toBeCloseTo(a.lambdaMax[k], 12);
  });
}

describe('factored covariance of a random head (C = 2000, d = 256, N = 1200)', () => {
  const C = 2000, d = 256, N = 1200;
  const W = new Matrix(C, d, Float32Array.from(randomArray(C * d, 1, 0.1)));
  const bias = randomArray(C, 2, 0.5, 0.3);
  const Hdata = randomArray(N * d, 3, 1, 0.5); // features with a non-zero mean
  const H = new Matrix(N, d, Hdata);
  const acc = new CovarianceAccumulator(d);
  acc.updateSync(H, { productPrecision: 'float64' });
  const withBias = timesTransposed(Hdata, N, d, W.data, C, bias);
  const noBias = timesTransposed(Hdata, N, d, W.data, C);

  it.each([
    ['second moment, bias', false, true],
    ['second moment, no bias', false, false],
    ['centered, bias', true, true],
    ['centered, no bias', true, false],
  ])('%s: every product equals the dense S of the logits', (_name, center, hasBias) => {
    const L = new Matrix(N, C, hasBias ? withBias : noBias);
    const S = covarianceSync(L, { center, productPrecision: 'float64' }).data as Float64Array;
    const F = factoredCovariance({ head: W, bias: hasBias ? bias : undefined, features: acc, center });
    expect(F.rank).toBe(hasBias && !center ? d + 1 : d);
    checkProducts(F, S, C, 10);
    if (center && hasBias) checkLasso(F, S, C, [0, 3, 500, 1999]);
  });

  it('takes the moments directly ({ moment, mean, count }, ddof) as well as an accumulator', () => {
    const raw = acc.result({ center: false });
    const direct = factoredCovariance({ head: W, features: { moment: raw, mean: acc.means(), count: N }, center: true, ddof: 1 });
    const viaAcc = factoredCovariance({ head: W, features: acc, center: true, ddof: 1 });
    const a = direct.columnsSync([5, 6]).data, b = viaAcc.columnsSync([5, 6]).data;
    expect(relErr(a, b, maxAbs(b))).toBeLessThan(1e-12);
  });

  it('is bitwise the same for any thread count, and settles on abort', async () => {
    const F = factoredCovariance({ head: W, bias, features: acc });
    const one = F.columnsSync([1, 2, 3], { threads: 1 });
    const two = await F.columns([1, 2, 3], { threads: 2 });
    expect(Buffer.from(one.data.buffer).equals(Buffer.from(two.data.buffer))).toBe(true);
    expect(Buffer.from(F.diagonalSync({ threads: 1 }).buffer).equals(Buffer.from((await F.diagonal({ threads: 2 })).buffer))).toBe(true);
    const ac = new AbortController();
    const p = F.toDense({ signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(CovlassoAbortError);
  });

  it('refuses non-finite heads, soft-capped logits, and shapes that do not fit', () => {
    const bad = Float32Array.from(W.data);
    bad[3 * d + 7] = NaN;
    expect(() => factoredCovariance({ head: new Matrix(C, d, bad), features: acc })).toThrow(NotFiniteError);
    expect(() => factoredCovariance({ head: new Matrix(C, d, bad), features: acc })).toThrow(/row 3, column 7/);
    expect(() => factoredCovariance({ head: W, features: acc, softcapping: 30 })).toThrow(/not a linear head/);
    expect(() => factoredCovariance({ head: W, bias: new Float64Array(3), features: acc })).toThrow(CovlassoRangeError);
    expect(() => factoredCovariance({ head: new Matrix(C, 10, new Float32Array(C * 10)), features: acc })).toThrow(/10 columns/);
    const F = factoredCovariance({ head: W, features: acc });
    expect(() => F.columnsSync([C])).toThrow(/outside 0\.\.1999/);
    expect(() => F.timesSync({ indptr: Int32Array.from([0, 1]), indices: Int32Array.from([C]), values: Float64Array.from([1]) })).toThrow(/outside/);
    expect(() => F.timesSync(new Matrix(5, 1, new Float64Array(5)))).toThrow(/2000 rows/);
  });
});

describe('the raw factored calls (native/binding/factored_binding.cpp) check their arguments', () => {
  const addon = loadNative();
  const head = { w: { rows: 3, cols: 2, data: new Float64Array([1, 0, 0, 1, 1, 1]) }, kernel: new Float64Array([2, 0, 0, 1]), threads: 1 };
  const code = codeOf;

  it('computes on good arguments and gives a coded error for bad ones', () => {
    const out = new Float64Array(3);
    addon.factoredDiagonalSync({ ...head, out });
    expect(Array.from(out)).toEqual([2, 1, 3]);
    expect(code(() => addon.factoredDiagonalSync({ ...head, out, extra: 1 } as never))).toBe('ERR_COVLASSO_INVALID_ARGUMENT');
    expect(code(() => addon.factoredDiagonalSync({ ...head, kernel: new Float64Array(3), out }))).toBe('ERR_COVLASSO_SHAPE_MISMATCH');
    expect(code(() => addon.factoredDiagonalSync({ ...head, bias: new Float64Array(3), out }))).toBe('ERR_COVLASSO_SHAPE_MISMATCH'); // K must be 3×3 then
    const sparse = (indptr: number[], indices: number[], k: number) => () =>
      addon.factoredSparseTimesSync({ ...head, indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), values: new Float64Array(indices.length), k, out: new Float64Array(3 * k) });
    expect(code(sparse([0, 2], [0], 1))).toBe('ERR_COVLASSO_SHAPE_MISMATCH');
    expect(code(sparse([0, 1, 0], [], 2))).toBe('ERR_COVLASSO_SHAPE_MISMATCH');
    expect(code(sparse([0, 1], [3], 1))).toBe('ERR_COVLASSO_SHAPE_MISMATCH');
    expect(code(sparse([0, 1], [2], 1))).toBeUndefined();
    expect(code(() => addon.factoredTimesSync({ ...head, b: new Float32Array(3) as never, k: 1, out }))).toBe('ERR_COVLASSO_INVALID_DTYPE');
  });
});

const LOGITS = path.resolve(__dirname, '../../shared/data/cjk1000/logits.npy');
const present = fs.existsSync(LOGITS);
(present ? describe : describe.skip)('factored covariance of the cjk1000 logits (rows 0..7999, rank-128 factors)', () => {
  it('equals the dense S of the projected logits, and covLasso agrees on both', async () => {
    const npy = await readNpyRows(LOGITS, [0, 8000]);
    const N = 8000, C = npy.shape[1], r = 128;
    const L = new Matrix(N, C, npy.data as Float32Array);
    const G = covarianceSync(L, { productPrecision: 'float64' });
    const eig = symmetricEigen(G.data, C, true);
    // V_r: the eigenvectors of the r largest eigenvalues (ascending order: the last r columns).
    const V = new Float64Array(C * r);
    for (let i = 0; i < C; i++) for (let j = 0; j < r; j++) V[i * r + j] = eig.vectors![i * C + (C - r + j)];
    const Vt = Float64Array.from({ length: r * C }, (_, q) => V[(q % C) * r + Math.floor(q / C)]);
    const H = timesTransposed(L.data, N, C, Vt, r); // features h = V_rᵀ l
    const acc = new CovarianceAccumulator(r);
    acc.updateSync(new Matrix(N, r, H), { productPrecision: 'float64' });
    const bias = randomArray(C, 7, 0.2);
    const W = new Matrix(C, r, V);
    for (const center of [false, true]) {
      const logits = new Matrix(N, C, timesTransposed(H, N, r, V, C, bias)); // rank-r logits + bias
      const S = covarianceSync(logits, { center, productPrecision: 'float64' }).data as Float64Array;
      const F = factoredCovariance({ head: W, bias, features: acc, center });
      checkProducts(F, S, C, 20);
      checkLasso(F, S, C, [0, 1, 2, 100, 500, 999]);
    }
  }, 300_000);
});

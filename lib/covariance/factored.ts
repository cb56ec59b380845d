/**
 * The covariance of logits from a linear head, f = W h + b (W: C×d), held in factored form: the
 * head and the features' moments, never the C×C matrix. It is exactly the S that `covariance()`
 * builds from the logits H Wᵀ + 1bᵀ: second moment S = W Σ Wᵀ + W μ bᵀ + b μᵀ Wᵀ + b bᵀ
 * (Σ = E[h hᵀ]), centered S = W Σ_c Wᵀ. Its products run natively through the d-dimensional side
 * on covlasso's thread pool: a block of columns S_{:,T}, S·B for dense or sparse B, the diagonal,
 * and the dense S for small C. Tanh soft-capped logits (cap·tanh(z/cap)) are not a linear head:
 * the factored form does not hold for them and {@link factoredCovariance} refuses a softcapping.
 * @module
 */
import { CovarianceAccumulator } from './accumulator';
import { checkMomentOptions } from './options';
import { checkFinite, featureKernel, FeatureMoments } from './factored-kernel';
import { CovlassoRangeError, CovlassoTypeError } from '../runtime/errors';
import { asMatrix, Matrix, MatrixLike, nativeMatrix } from '../runtime/matrix';
import { loadNative } from '../runtime/native';
import type { NativeControl, NativeFactoredCross, NativeFactoredHead } from '../runtime/native-types';
import { executionArgs, runAsync, RunOptions, runSync, SyncRunOptions } from '../runtime/run';

export type { FeatureMoments } from './factored-kernel';

/** What {@link factoredCovariance} takes. */
export interface FactoredCovarianceInput {
  /** The head W (C×d, float32 or float64), used without a copy. */
  head: MatrixLike;
  /** The head's bias b (C values). */
  bias?: Float32Array | Float64Array;
  /** The features h: an accumulator fed them, or their raw second moment, mean and count. */
  features: CovarianceAccumulator | FeatureMoments;
  /** Centered covariance (default false: the second moment E[f fᵀ]). */
  center?: boolean;
  /** Delta degrees of freedom of the centered divisor (default 0). */
  ddof?: number;
  /** The model's final-logit soft-capping (config `final_logit_softcapping`): any positive value is refused. */
  softcapping?: number | null;
}

/** Compressed sparse columns over the C categories (e.g. CovLasso coefficients). */
export interface SparseColumnsLike {
  /** Column k's entries are `indptr[k]` to `indptr[k + 1]`. */
  indptr: Int32Array;
  /** Row of each entry. */
  indices: Int32Array;
  /** Value of each entry. */
  values: Float64Array;
}

/** Largest C for which {@link FactoredCovariance.toDense} builds S (a 2 GiB float64 matrix). */
export const MAX_DENSE_CATEGORIES = 16384;

/** The factored covariance S = Ã K Ãᵀ (Ã = [W | b]); build it with {@link factoredCovariance}. */
export class FactoredCovariance {
  /** C: categories (rows of the head). */
  readonly categories: number;
  /** d: the head's width. */
  readonly width: number;
  /** r: the inner dimension (d + 1 with a bias in the second moment, else d); rank S ≤ r. */
  readonly rank: number;
  /** Centered covariance, or second moment. */
  readonly center: boolean;
  /** Samples behind the features' moments. */
  readonly count: number;
  private readonly head: Omit<NativeFactoredHead, 'threads'>;
  private readonly featureMean: Float64Array;
  private readonly bias?: Float64Array;

  /** The logits' mean E[f] = W μ_h + b (C values, float64; b = 0 without a bias): the means behind a centered fit's intercepts. */
  logitMeans(): Float64Array {
    const { rows: C, cols: d, data } = this.head.w;
    const mu = this.featureMean;
    const out = new Float64Array(C);
    for (let i = 0; i < C; i++) {
      let v = 0;
      for (let j = 0; j < d; j++) v += data[i * d + j] * mu[j];
      out[i] = v + (this.bias ? this.bias[i] : 0);
    }
    return out;
  }

  /** @internal The native head, read in place by covlasso's solvers (no copy). */
  nativeHead(): Omit<NativeFactoredHead, 'threads'> {
    return this.head;
  }

  /** @internal Use {@link factoredCovariance}. */
  constructor(head: Omit<NativeFactoredHead, 'threads'>, center: boolean, count: number, featureMean: Float64Array, bias?: Float64Array) {
    this.head = head;
    this.featureMean = featureMean;
    this.bias = bias;
    this.categories = head.w.rows;
    this.width = head.w.cols;
    this.rank = head.bias ? head.w.cols + 1 : head.w.cols;
    this.center = center;
    this.count = count;
  }

  private unitColumns(targets: ArrayLike<number>): SparseColumnsLike {
    const k = targets.length;
    const indices = new Int32Array(k);
    for (let c = 0; c < k; c++) {
      const t = targets[c];
      if (!Number.isInteger(t) || t < 0 || t >= this.categories) {
        throw new CovlassoRangeError('ERR_COVLASSO_TARGET_OUT_OF_RANGE', `target ${t} is outside 0..${this.categories - 1}`);
      }
      indices[c] = t;
    }
    return { indptr: Int32Array.from({ length: k + 1 }, (_, c) => c), indices, values: new Float64Array(k).fill(1) };
  }

  /** The output and the native call (async and sync) of S·B. */
  private product(B: MatrixLike | SparseColumnsLike, threads: number) {
    const C = this.categories;
    const native = loadNative();
    if ('indptr' in B) {
      if (!(B.indptr instanceof Int32Array) || !(B.indices instanceof Int32Array) || !(B.values instanceof Float64Array)) {
        throw new CovlassoTypeError('ERR_COVLASSO_INVALID_DTYPE', 'sparse columns need Int32Array indptr and indices and Float64Array values');
      }
      const k = B.indptr.length - 1;
      const out = new Matrix(C, k, new Float64Array(C * k));
      const args = { ...this.head, threads, indptr: B.indptr, indices: B.indices, values: B.values, k, out: out.data as Float64Array };
      return { out, start: (c: NativeControl) => native.factoredSparseTimes(args, c), sync: () => native.factoredSparseTimesSync(args) };
    }
    const m = asMatrix(B, 'B');
    if (m.rows !== C) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `B must have ${C} rows (the categories), got ${m.rows}`);
    const out = new Matrix(C, m.cols, new Float64Array(C * m.cols));
    const args = { ...this.head, threads, b: Float64Array.from(m.data), k: m.cols, out: out.data as Float64Array };
    return { out, start: (c: NativeControl) => native.factoredTimes(args, c), sync: () => native.factoredTimesSync(args) };
  }

  /** S·B (C×k, float64) for a dense B (C×k) or k sparse columns (S·β for CovLasso coefficients). */
  async times(B: MatrixLike | SparseColumnsLike, options: RunOptions = {}): Promise<Matrix> {
    const { out, start } = this.product(B, executionArgs(options).threads);
    await runAsync((_: null, c) => start(c), null, options);
    return out;
  }

  /** Sync twin of {@link times}. */
  timesSync(B: MatrixLike | SparseColumnsLike, options: SyncRunOptions = {}): Matrix {
    const { out, sync } = this.product(B, executionArgs(options).threads);
    runSync(sync);
    return out;
  }

  /** The columns S_{:,T} (C×k, float64) of the targets T. */
  columns(targets: ArrayLike<number>, options: RunOptions = {}): Promise<Matrix> {
    return this.times(this.unitColumns(targets), options);
  }

  /** Sync twin of {@link columns}. */
  columnsSync(targets: ArrayLike<number>, options: SyncRunOptions = {}): Matrix {
    return this.timesSync(this.unitColumns(targets), options);
  }

  /** diag(S) (C values): S_ii = ã_iᵀ K ã_i, O(r²) each. */
  async diagonal(options: RunOptions = {}): Promise<Float64Array> {
    const out = new Float64Array(this.categories);
    await runAsync((a, c) => loadNative().factoredDiagonal(a, c), { ...this.head, threads: executionArgs(options).threads, out }, options);
    return out;
  }

  /** Sync twin of {@link diagonal}. */
  diagonalSync(options: SyncRunOptions = {}): Float64Array {
    const out = new Float64Array(this.categories);
    runSync(() => loadNative().factoredDiagonalSync({ ...this.head, threads: executionArgs(options).threads, out }));
    return out;
  }

  private everyColumn(): number[] {
    if (this.categories > MAX_DENSE_CATEGORIES) {
      throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `toDense() builds C×C; C = ${this.categories} is above ${MAX_DENSE_CATEGORIES}: use columns() in blocks`);
    }
    return Array.from({ length: this.categories }, (_, i) => i);
  }

  /** The dense S (C×C float64, exactly symmetric), for C up to {@link MAX_DENSE_CATEGORIES}. */
  async toDense(options: RunOptions = {}): Promise<Matrix> {
    return symmetrize(await this.columns(this.everyColumn(), options));
  }

  /** Sync twin of {@link toDense}. */
  toDenseSync(options: SyncRunOptions = {}): Matrix {
    return symmetrize(this.columnsSync(this.everyColumn(), options));
  }
}

function symmetrize(S: Matrix): Matrix {
  const n = S.rows;
  const a = S.data;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) a[i * n + j] = a[j * n + i] = 0.5 * (a[i * n + j] + a[j * n + i]);
  }
  return S;
}

/**
 * The covariance of the logits of a linear head, f = W h + b, in factored form: exactly the S that
 * `covariance()` builds from the logits H Wᵀ + 1bᵀ (with `center` and `ddof`), never formed.
 * W, b and the moments must be finite (NotFiniteError names the first bad entry).
 * @throws CovlassoRangeError (`ERR_COVLASSO_INVALID_ARGUMENT`) for a positive `softcapping`: capped logits are not a linear head
 * @example
 * const acc = new CovarianceAccumulator(d); acc.updateSync(features);
 * const S = factoredCovariance({ head: W, bias: b, features: acc });
 * const block = S.columnsSync([0, 1, 2]); // C × 3
 */
export function factoredCovariance(input: FactoredCovarianceInput): FactoredCovariance {
  if (input === null || typeof input !== 'object') throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'factoredCovariance needs { head, features }');
  refuseSoftcapping(input.softcapping, '');
  const { center, ddof } = checkMomentOptions({ center: input.center, ddof: input.ddof });
  const { w, bias } = checkedHead(input.head, input.bias, 'head');
  const useBias = bias !== undefined && !center;
  const { kernel, count, mean } = featureKernel(input.features, w.cols, useBias, center, ddof);
  return new FactoredCovariance({ w: nativeMatrix(w), ...(useBias ? { bias } : {}), kernel }, center, count, mean, bias);
}

/** A head W (C×d, finite) and its optional bias (C finite values, as float64). */
function checkedHead(head: MatrixLike, rawBias: Float32Array | Float64Array | undefined, what: string): { w: Matrix; bias?: Float64Array } {
  const w = asMatrix(head, what);
  if (w.rows < 1 || w.cols < 1) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${what} must be C×d with C, d ≥ 1, got ${w.rows}×${w.cols}`);
  checkFinite(w.data, w.cols, what);
  if (rawBias === undefined) return { w };
  if (!(rawBias instanceof Float32Array || rawBias instanceof Float64Array)) throw new CovlassoTypeError('ERR_COVLASSO_INVALID_DTYPE', `${what}'s bias must be a Float32Array or Float64Array`);
  if (rawBias.length !== w.rows) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${what}'s bias must have ${w.rows} values (the head's rows), got ${rawBias.length}`);
  checkFinite(rawBias, w.rows, `${what}'s bias`);
  return { w, bias: Float64Array.from(rawBias) };
}

/** One model of {@link factoredCrossCovariance}: its head and bias. */
export interface FactoredModel {
  /** The head W (C×d, float32 or float64), used without a copy. */
  head: MatrixLike;
  /** The head's bias b (C values). */
  bias?: Float32Array | Float64Array;
  /** The model's final-logit soft-capping: any positive value is refused (not a linear head). */
  softcapping?: number | null;
}

/** What {@link factoredCrossCovariance} takes. */
export interface FactoredCrossInput {
  /** Model A. */
  a: FactoredModel;
  /** Model B. */
  b: FactoredModel;
  /** A covariance accumulator fed the joint features [h_A | h_B] (N × (d_A + d_B)) of the same samples. */
  features: CovarianceAccumulator;
  /** Centered covariances (default false: second moments). */
  center?: boolean;
  /** Delta degrees of freedom of the centered divisor (default 0). */
  ddof?: number;
}

/**
 * The moments of two linear heads over the same inputs, factored: each model's covariance
 * ({@link FactoredCovariance}) and their cross moments S_AB = Ã_A K_AB Ã_Bᵀ, never formed. What
 * `crossDependencies(pair)` solves on.
 */
export class FactoredCrossCovariance {
  /** Model A's covariance. */
  readonly a: FactoredCovariance;
  /** Model B's covariance. */
  readonly b: FactoredCovariance;
  /** Centered, or second moments. */
  readonly center: boolean;
  /** Samples behind the moments. */
  readonly count: number;
  private readonly kernels: { ab: Float64Array; ba: Float64Array };

  /** @internal Use {@link factoredCrossCovariance}. */
  constructor(a: FactoredCovariance, b: FactoredCovariance, kernels: { ab: Float64Array; ba: Float64Array }, center: boolean, count: number) {
    this.a = a;
    this.b = b;
    this.kernels = kernels;
    this.center = center;
    this.count = count;
  }

  /** @internal The native cross moments of a solve whose sources are model `source`: the other model's head and K_ST. */
  nativeCross(source: 'a' | 'b'): NativeFactoredCross {
    const target = (source === 'a' ? this.b : this.a).nativeHead();
    return { w: target.w, ...(target.bias ? { bias: target.bias } : {}), kernel: source === 'a' ? this.kernels.ab : this.kernels.ba };
  }
}

/**
 * Block K_XY of the joint feature moments M ((d_A + d_B)², centered or raw) for the rows of X and
 * the columns of Y (offsets and widths), with the bias row/column of a second moment: K =
 * [[M_XY, μ_X (Y has a bias)], [μ_Yᵀ (X has a bias), 1]].
 */
function kernelBlock(M: Float64Array, n: number, mean: Float64Array, x: { at: number; d: number; bias: boolean }, y: { at: number; d: number; bias: boolean }): Float64Array {
  const rx = x.d + (x.bias ? 1 : 0), ry = y.d + (y.bias ? 1 : 0);
  const k = new Float64Array(rx * ry);
  for (let i = 0; i < x.d; i++) {
    for (let j = 0; j < y.d; j++) k[i * ry + j] = M[(x.at + i) * n + y.at + j];
    if (y.bias) k[i * ry + y.d] = mean[x.at + i];
  }
  if (x.bias) {
    for (let j = 0; j < y.d; j++) k[x.d * ry + j] = mean[y.at + j];
    if (y.bias) k[x.d * ry + y.d] = 1;
  }
  return k;
}

/**
 * Two models' logits f_A = W_A h_A + b_A and f_B = W_B h_B + b_B over the same inputs, in factored
 * form: from one accumulator of their joint features [h_A | h_B], each model's covariance and the
 * cross moments S_AB = E[f_A f_Bᵀ] (centered: the cross-covariance), exactly those
 * `covariance()`/`crossMoments()` build from the logits, never formed.
 * @example
 * const acc = new CovarianceAccumulator(dA + dB); acc.updateSync(jointFeatures);
 * const pair = factoredCrossCovariance({ a: { head: WA }, b: { head: WB, bias: bB }, features: acc, center: true });
 * const { aFromB } = await crossDependencies(pair, { lambdaRatio: 0.1 });
 */
export function factoredCrossCovariance(input: FactoredCrossInput): FactoredCrossCovariance {
  if (input === null || typeof input !== 'object' || !input.a || !input.b) throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'factoredCrossCovariance needs { a, b, features }');
  for (const [name, m] of [['a', input.a], ['b', input.b]] as const) refuseSoftcapping(m.softcapping, `model ${name}'s `);
  const { center, ddof } = checkMomentOptions({ center: input.center, ddof: input.ddof });
  const A = checkedHead(input.a.head, input.a.bias, 'a.head');
  const B = checkedHead(input.b.head, input.b.bias, 'b.head');
  const acc = input.features;
  const n = A.w.cols + B.w.cols;
  if (!(acc instanceof CovarianceAccumulator) || acc.isCross || acc.cols !== n) {
    throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `features: need a covariance accumulator of the joint features [h_A | h_B], ${A.w.cols} + ${B.w.cols} = ${n} columns`);
  }
  if (acc.count === 0) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', 'features: the accumulator holds no rows');
  const M = acc.result({ center, ddof }).data as Float64Array;
  const mean = acc.means();
  const xa = { at: 0, d: A.w.cols, bias: A.bias !== undefined && !center };
  const xb = { at: A.w.cols, d: B.w.cols, bias: B.bias !== undefined && !center };
  const side = (h: { w: Matrix; bias?: Float64Array }, x: typeof xa) =>
    new FactoredCovariance({ w: nativeMatrix(h.w), ...(x.bias ? { bias: h.bias } : {}), kernel: kernelBlock(M, n, mean, x, x) }, center, acc.count, mean.slice(x.at, x.at + x.d), h.bias);
  return new FactoredCrossCovariance(side(A, xa), side(B, xb), { ab: kernelBlock(M, n, mean, xa, xb), ba: kernelBlock(M, n, mean, xb, xa) }, center, acc.count);
}

function refuseSoftcapping(softcapping: number | null | undefined, whose: string): void {
  if (softcapping !== undefined && softcapping !== null && softcapping > 0) {
    throw new CovlassoRangeError(
      'ERR_COVLASSO_INVALID_ARGUMENT',
      `${whose}logits soft-capped as ${softcapping}·tanh(z/${softcapping}) are not a linear head: the factored covariance does not hold; compute covariance() of the capped logits instead`,
    );
  }
}

/**
 * Covariance (second moment or centered) and cross moments of logits, accumulated in float64
 * by the native core, blocked and multi-threaded; plus a streaming, mergeable accumulator.
 * @module
 */
import { CovlassoRangeError } from '../runtime/errors';
import { asMatrix, Matrix, MatrixLike, nativeMatrix, nativeMatrixForAsync } from '../runtime/matrix';
import { loadNative } from '../runtime/native';
import { allocate } from '../runtime/typed';
import type { CovarianceCallArgs } from '../runtime/native-types';
import { checkMomentOptions, checkProductPrecision, MomentOptions, ProductOptions } from './options';
import { executionArgs, runAsync, RunOptions, runSync, SyncRunOptions } from '../runtime/run';

export type { MomentOptions, ProductOptions } from './options';

/** Options of {@link covariance} and {@link crossMoments}. */
export interface CovarianceOptions extends MomentOptions, ProductOptions, RunOptions {}

function momentArgs(x: Matrix, y: Matrix | undefined, options: CovarianceOptions): { args: CovarianceCallArgs; out: Matrix } {
  const execution = executionArgs(options);
  const { center, ddof } = checkMomentOptions(options);
  if (x.rows === 0) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', 'logits have no rows');
  if (x.cols === 0) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', 'logits have no columns');
  if (y && y.rows !== x.rows) {
    throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `both matrices need the same rows, got ${x.rows} and ${y.rows}`);
  }
  if (center && x.rows - ddof <= 0) {
    throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `ddof ${ddof} leaves no degrees of freedom with ${x.rows} rows`);
  }
  const cols = y ? y.cols : x.cols;
  const out = new Matrix(x.cols, cols, allocate(Float64Array, x.cols * cols, `the ${x.cols}×${cols} result`));
  const products = checkProductPrecision(options.productPrecision);
  const args: CovarianceCallArgs = { x: nativeMatrix(x), center, ddof, products, ...execution, out: out.data as Float64Array };
  if (y) args.y = nativeMatrix(y);
  return { args, out };
}

/**
 * Covariance of logits `X` (N×C, float32 or float64): a C×C float64 {@link Matrix}.
 * Second moment `XᵀX/N` by default; `{ center: true, ddof }` for the centered covariance.
 * @throws NotFiniteError when X holds NaN or ±Infinity (the message names the row and column)
 * @throws CovlassoRangeError / CovlassoTypeError for bad shapes, dtypes or options
 * @throws CovlassoAbortError when `signal` aborts
 * @example
 * const S = await covariance(new Matrix(n, c, logits), { center: true });
 */
export async function covariance(X: MatrixLike, options: CovarianceOptions = {}): Promise<Matrix> {
  const { args, out } = momentArgs(asMatrix(X, 'X'), undefined, options);
  await runAsync((a, c) => loadNative().covariance(a, c), await privateInputs(args), options);
  return out;
}

/** Synchronous twin of {@link covariance} (blocks the event loop; no signal or progress). */
export function covarianceSync(X: MatrixLike, options: MomentOptions & ProductOptions & SyncRunOptions = {}): Matrix {
  const { args, out } = momentArgs(asMatrix(X, 'X'), undefined, options);
  runSync(() => loadNative().covarianceSync(args));
  return out;
}

/**
 * Cross moments of two matrices over the same rows, `XᵀY/N` (p×q), or centered. Used for
 * dependencies between two models: X = model B's logits (sources), Y = model A's (targets).
 */
export async function crossMoments(X: MatrixLike, Y: MatrixLike, options: CovarianceOptions = {}): Promise<Matrix> {
  const { args, out } = momentArgs(asMatrix(X, 'X'), asMatrix(Y, 'Y'), options);
  await runAsync((a, c) => loadNative().covariance(a, c), await privateInputs(args), options);
  return out;
}

/** Synchronous twin of {@link crossMoments}. */
export function crossMomentsSync(X: MatrixLike, Y: MatrixLike, options: MomentOptions & ProductOptions & SyncRunOptions = {}): Matrix {
  const { args, out } = momentArgs(asMatrix(X, 'X'), asMatrix(Y, 'Y'), options);
  runSync(() => loadNative().covarianceSync(args));
  return out;
}

/** The arguments over private copies of X and Y: the caller may detach theirs mid-call ({@link nativeMatrixForAsync}). */
async function privateInputs(args: CovarianceCallArgs): Promise<CovarianceCallArgs> {
  const x = await nativeMatrixForAsync(args.x, 'X.data');
  return args.y ? { ...args, x, y: await nativeMatrixForAsync(args.y, 'Y.data') } : { ...args, x };
}

export { CovarianceAccumulator } from './accumulator';

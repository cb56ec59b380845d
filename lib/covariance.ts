/**
 * Covariance (second moment or centered) and cross moments of logits, accumulated in float64
 * by the native core, blocked and multi-threaded; plus a streaming, mergeable accumulator.
 * @module
 */
import { CovlassoRangeError, CovlassoTypeError } from './errors';
import { asMatrix, Matrix, MatrixLike } from './matrix';
import { loadNative, NativeArgs, NativeMomentAccumulator } from './native';
import { checkRunOptions, resolveThreads, runAsync, RunOptions, runSync } from './run';

/** How to normalise the accumulated products. */
export interface MomentOptions {
  /**
   * false (default): second moment `XᵀX / N`, i.e. E[x xᵀ].
   * true: centered covariance `(X − 1μᵀ)ᵀ(X − 1μᵀ) / (N − ddof)`.
   */
  center?: boolean;
  /** Delta degrees of freedom for the centered divisor (default 0, like numpy's `np.cov(bias=True)`). */
  ddof?: number;
}

/** Options of {@link covariance} and {@link crossMoments}. */
export interface CovarianceOptions extends MomentOptions, RunOptions {}

function checkMomentOptions(options: MomentOptions): { center: boolean; ddof: number } {
  const center = options.center ?? false;
  const ddof = options.ddof ?? 0;
  if (typeof center !== 'boolean') {
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'center must be a boolean');
  }
  if (typeof ddof !== 'number' || !Number.isFinite(ddof) || ddof < 0) {
    throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `ddof must be a finite number >= 0, got ${ddof}`);
  }
  return { center, ddof };
}

function momentArgs(x: Matrix, y: Matrix | undefined, options: CovarianceOptions): { args: NativeArgs; out: Matrix } {
  checkRunOptions(options);
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
  const out = new Matrix(x.cols, cols, new Float64Array(x.cols * cols));
  const args: NativeArgs = { x, center, ddof, threads: resolveThreads(options.threads), out: out.data };
  if (y) args.y = y;
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
  await runAsync((a, c) => loadNative().covariance(a, c), args, options);
  return out;
}

/** Synchronous twin of {@link covariance} (blocks the event loop; no signal or progress). */
export function covarianceSync(X: MatrixLike, options: MomentOptions & { threads?: number } = {}): Matrix {
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
  await runAsync((a, c) => loadNative().covariance(a, c), args, options);
  return out;
}

/** Synchronous twin of {@link crossMoments}. */
export function crossMomentsSync(X: MatrixLike, Y: MatrixLike, options: MomentOptions & { threads?: number } = {}): Matrix {
  const { args, out } = momentArgs(asMatrix(X, 'X'), asMatrix(Y, 'Y'), options);
  runSync(() => loadNative().covarianceSync(args));
  return out;
}

/**
 * Streaming covariance: feed row chunks of any size with {@link update}, combine accumulators
 * of different shards with {@link merge}, read the covariance with {@link result} at any time.
 * Sums are kept in float64 relative to the first row seen, so centered results stay accurate
 * even when the mean is huge relative to the spread.
 *
 * @example
 * const acc = new CovarianceAccumulator(1000);
 * for (const chunk of chunks) await acc.update(chunk);
 * const S = acc.result({ center: true });
 */
export class CovarianceAccumulator {
  /** Columns of the X side (and of the result's rows). */
  readonly cols: number;
  /** Columns of the Y side for cross moments; equals `cols` for a covariance. */
  readonly crossCols: number;
  private readonly native: NativeMomentAccumulator;
  private readonly cross: boolean;
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * @param cols - number of columns of every chunk
   * @param crossCols - for cross moments XᵀY: the number of columns of Y (omit for a covariance)
   */
  constructor(cols: number, crossCols?: number) {
    for (const [name, v] of [['cols', cols], ['crossCols', crossCols ?? cols]] as const) {
      if (!Number.isSafeInteger(v) || v < 1) {
        throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `${name} must be a positive integer, got ${v}`);
      }
    }
    this.cols = cols;
    this.cross = crossCols !== undefined;
    this.crossCols = crossCols ?? cols;
    this.native = runSync(() => new (loadNative().MomentAccumulator)(cols, this.crossCols, !this.cross));
  }

  /** Rows accumulated so far. */
  get count(): number {
    return this.native.count();
  }

  private updateArgs(x: MatrixLike, y: MatrixLike | undefined, threads: number | undefined): NativeArgs {
    const xm = asMatrix(x, 'chunk');
    if (xm.cols !== this.cols) {
      throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `chunk has ${xm.cols} columns, the accumulator ${this.cols}`);
    }
    if (this.cross !== (y !== undefined)) {
      throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', this.cross ? 'a cross accumulator needs a Y chunk' : 'a covariance accumulator takes one chunk');
    }
    const args: NativeArgs = { x: xm, threads: resolveThreads(threads) };
    if (y !== undefined) {
      const ym = asMatrix(y, 'Y chunk');
      if (ym.cols !== this.crossCols || ym.rows !== xm.rows) {
        throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `Y chunk must be ${xm.rows}x${this.crossCols}, got ${ym.rows}x${ym.cols}`);
      }
      args.y = ym;
    }
    return args;
  }

  /**
   * Adds a chunk of rows (and, for cross moments, the matching rows of Y). Calls are queued, so
   * several updates may be started without awaiting each. If aborted, the accumulator may hold
   * part of the chunk: discard it.
   */
  update(chunk: MatrixLike, options?: RunOptions & { y?: MatrixLike }): Promise<void> {
    const opts = options ?? {};
    let args: NativeArgs;
    try {
      checkRunOptions(opts);
      args = this.updateArgs(chunk, opts.y, opts.threads);
    } catch (error) {
      return Promise.reject(error);
    }
    const next = this.queue.then(() => runAsync((a, c) => this.native.update(a, c), args, opts));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Synchronous twin of {@link update}. */
  updateSync(chunk: MatrixLike, options?: { y?: MatrixLike; threads?: number }): void {
    const args = this.updateArgs(chunk, options?.y, options?.threads);
    runSync(() => this.native.updateSync(args));
  }

  /** Adds another accumulator's rows to this one, exactly. Both must have the same shape. */
  merge(other: CovarianceAccumulator): void {
    if (!(other instanceof CovarianceAccumulator) || other.cols !== this.cols || other.crossCols !== this.crossCols || other.cross !== this.cross) {
      throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', 'merge() needs an accumulator of the same shape and kind');
    }
    runSync(() => this.native.merge(other.native));
  }

  /** The covariance (cols × crossCols, float64) of every row accumulated so far. */
  result(options: MomentOptions = {}): Matrix {
    const { center, ddof } = checkMomentOptions(options);
    const out = new Matrix(this.cols, this.crossCols, new Float64Array(this.cols * this.crossCols));
    runSync(() => this.native.result(center, ddof, out.data as Float64Array));
    return out;
  }
}

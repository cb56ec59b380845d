/**
 * The streaming, mergeable covariance accumulator, and saving / loading its state so that
 * shards of the rows can be computed in separate processes (see `accumulator-state` for the
 * file format).
 * @module
 */
import {
  AccumulatorState,
  decodeAccumulatorState,
  writeAccumulatorState,
  writeAccumulatorStateSync,
} from './state-file';
import { AccumulatorStateError, CovlassoError, CovlassoRangeError, CovlassoTypeError, NativeUnavailableError } from '../runtime/errors';
import { asMatrix, Matrix, MatrixLike, nativeMatrix, nativeMatrixForAsync } from '../runtime/matrix';
import { checkMomentOptions, checkProductPrecision, MomentOptions, ProductOptions } from './options';
import { loadNative } from '../runtime/native';
import { allocate } from '../runtime/typed';
import { readWholeFile, readWholeFileSync } from '../runtime/file-io';
import type { AccumulatorUpdateArgs, NativeMomentAccumulator } from '../runtime/native-types';
import { executionArgs, runAsync, RunOptions, runSync, SyncRunOptions } from '../runtime/run';

/** The update's arguments over private copies of its chunks ({@link nativeMatrixForAsync}). */
async function privateChunks(args: AccumulatorUpdateArgs): Promise<AccumulatorUpdateArgs> {
  const x = await nativeMatrixForAsync(args.x, 'chunk.data');
  return args.y ? { ...args, x, y: await nativeMatrixForAsync(args.y, 'Y chunk.data') } : { ...args, x };
}

/** The key of the accumulator's in-place update, for covlasso's own chunk buffers (internal; not exported by lib/index.ts). */
export const UPDATE_IN_PLACE = Symbol('covlasso.updateInPlace');

/**
 * Streaming covariance: feed row chunks of any size with {@link update}, combine accumulators
 * of different shards with {@link merge}, read the covariance with {@link result} at any time.
 * Sums are kept in float64 relative to the first row seen, so centered results stay accurate
 * even when the mean is huge relative to the spread. The state can be saved ({@link save}) and
 * loaded ({@link CovarianceAccumulator.load}) in another process, then merged.
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
  private native: NativeMomentAccumulator;
  private readonly cross: boolean;
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * An empty accumulator (no rows yet).
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

  /** True for a cross-moment accumulator (built with `crossCols`), false for a covariance. */
  get isCross(): boolean {
    return this.cross;
  }

  private updateArgs(x: MatrixLike, y: MatrixLike | undefined, run: RunOptions, precision: unknown): AccumulatorUpdateArgs {
    const xm = asMatrix(x, 'chunk');
    if (xm.cols !== this.cols) {
      throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `chunk has ${xm.cols} columns, the accumulator ${this.cols}`);
    }
    if (this.cross !== (y !== undefined)) {
      throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', this.cross ? 'a cross accumulator needs a Y chunk' : 'a covariance accumulator takes one chunk');
    }
    const args: AccumulatorUpdateArgs = { x: nativeMatrix(xm), products: checkProductPrecision(precision), ...executionArgs(run) };
    if (y !== undefined) {
      const ym = asMatrix(y, 'Y chunk');
      if (ym.cols !== this.crossCols || ym.rows !== xm.rows) {
        throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `Y chunk must be ${xm.rows}x${this.crossCols}, got ${ym.rows}x${ym.cols}`);
      }
      args.y = nativeMatrix(ym);
    }
    return args;
  }

  /**
   * Adds a chunk of rows (and, for cross moments, the matching rows of Y). Calls are queued, so
   * several updates may be started without awaiting each. If aborted, the accumulator may hold
   * part of the chunk: discard it.
   */
  update(chunk: MatrixLike, options?: RunOptions & ProductOptions & { y?: MatrixLike }): Promise<void> {
    return this.queueUpdate(chunk, options ?? {}, true);
  }

  /**
   * {@link update} of chunks in memory only covlasso can reach (the streaming readers' own
   * buffers), read in place: keyed by a symbol that lib/index.ts does not export (internal).
   */
  [UPDATE_IN_PLACE](chunk: MatrixLike, options: RunOptions & ProductOptions & { y?: MatrixLike }): Promise<void> {
    return this.queueUpdate(chunk, options, false);
  }

  private queueUpdate(chunk: MatrixLike, opts: RunOptions & ProductOptions & { y?: MatrixLike }, copy: boolean): Promise<void> {
    let args: AccumulatorUpdateArgs;
    try {
      args = this.updateArgs(chunk, opts.y, opts, opts.productPrecision);
    } catch (error) {
      return Promise.reject(error);
    }
    // copy: the chunks are the caller's, who may detach them mid-call: read private copies.
    const next = this.queue.then(async () => runAsync((a, c) => this.native.update(a, c), copy ? await privateChunks(args) : args, opts));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Synchronous twin of {@link update}. */
  updateSync(chunk: MatrixLike, options?: ProductOptions & SyncRunOptions & { y?: MatrixLike }): void {
    const args = this.updateArgs(chunk, options?.y, { threads: options?.threads, backend: options?.backend }, options?.productPrecision);
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
    const out = new Matrix(this.cols, this.crossCols, allocate(Float64Array, this.cols * this.crossCols, `the ${this.cols}×${this.crossCols} result`));
    runSync(() => this.native.result(center, ddof, out.data as Float64Array));
    return out;
  }

  /**
   * Column means (float64) of every row accumulated so far, `shift + sum / count` from the state
   * (X's columns for cross moments): the means behind the intercepts of centered fits. Reads a
   * copy of the state (the cols × crossCols products included, transiently).
   * @throws CovlassoRangeError (`ERR_COVLASSO_SHAPE_MISMATCH`) when no rows were accumulated
   */
  means(): Float64Array {
    const { count, shiftX, sumX } = runSync(() => this.native.state());
    if (count === 0) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', 'the accumulator holds no rows');
    return shiftX.map((shift, c) => shift + sumX[c] / count);
  }

  /**
   * A copy of the raw state (count, shifts, shifted sums and products), enough to rebuild the
   * accumulator exactly with {@link CovarianceAccumulator.fromState}. In a covariance state the
   * strict lower triangle of `moment` is zeroed (only the upper triangle is meaningful).
   */
  toState(): AccumulatorState {
    const s = runSync(() => this.native.state());
    if (!this.cross) {
      const c = this.cols;
      for (let i = 1; i < c; i++) s.moment.fill(0, i * c, i * c + i);
      // Documented invariant of the symmetric state (moments.hpp): Y's shift and sums are X's.
      s.shiftY = Float64Array.from(s.shiftX);
      s.sumY = Float64Array.from(s.sumX);
    }
    return { colsX: this.cols, colsY: this.crossCols, symmetric: !this.cross, ...s };
  }

  /**
   * Rebuilds an accumulator from {@link toState}'s object (e.g. one sent between workers). A
   * symmetric state gives a covariance accumulator, otherwise a cross-moment one.
   * @throws AccumulatorStateError (`ERR_COVLASSO_STATE_FORMAT`) when the state is inconsistent
   *   (array sizes, count, non-finite values, symmetric shifts that differ)
   */
  static fromState(state: AccumulatorState): CovarianceAccumulator {
    if (state === null || typeof state !== 'object') throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'fromState() needs a state object');
    const { colsX, colsY, symmetric } = state;
    if (typeof symmetric !== 'boolean') throw new AccumulatorStateError('state.symmetric must be a boolean');
    let acc: CovarianceAccumulator;
    try {
      acc = new CovarianceAccumulator(colsX, symmetric ? undefined : colsY);
      if (symmetric && colsY !== colsX) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `a symmetric state needs colsX == colsY, got ${colsX} and ${colsY}`);
      acc.native = runSync(() => new (loadNative().MomentAccumulator)(colsX, colsY, symmetric, state));
    } catch (error) {
      if (error instanceof CovlassoError && !(error instanceof NativeUnavailableError)) {
        throw new AccumulatorStateError(`invalid accumulator state: ${error.message}`, error);
      }
      throw error;
    }
    return acc;
  }

  /**
   * Saves the state to a `.cov` file (small versioned binary format, see README), atomically:
   * written to a temporary file, then renamed. Do not call while an update is running.
   */
  async save(path: string): Promise<void> {
    await this.queue;
    await writeAccumulatorState(path, this.toState());
  }

  /** Synchronous twin of {@link save}. */
  saveSync(path: string): void {
    writeAccumulatorStateSync(path, this.toState());
  }

  /**
   * Loads an accumulator saved by {@link save} (by any process); merge several with {@link merge}.
   * @throws AccumulatorStateError (`ERR_COVLASSO_STATE_FORMAT`) for a file that is not a state
   *   file, has an unsupported version, is truncated, corrupted (checksum) or inconsistent.
   *   File-system errors (e.g. `ENOENT`) are Node's own.
   */
  static async load(path: string): Promise<CovarianceAccumulator> {
    return CovarianceAccumulator.fromState(decodeAccumulatorState(await readWholeFile(path, AccumulatorStateError), path));
  }

  /** Synchronous twin of {@link CovarianceAccumulator.load}. */
  static loadSync(path: string): CovarianceAccumulator {
    return CovarianceAccumulator.fromState(decodeAccumulatorState(readWholeFileSync(path, AccumulatorStateError), path));
  }
}

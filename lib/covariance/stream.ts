/**
 * Covariances and cross moments streamed from `.npy` files too large for memory: rows are read
 * in chunks into two reused buffers (read chunk k+1 while the native worker accumulates chunk
 * k), under an optional memory bound, with progress, cancellation, and file handles always
 * closed.
 * @module
 */
import * as fs from 'node:fs';
import { CovarianceAccumulator, UPDATE_IN_PLACE } from './accumulator';
import { CovlassoAbortError, CovlassoRangeError, CovlassoTypeError } from '../runtime/errors';
import { Matrix } from '../runtime/matrix';
import { widen16Into } from '../runtime/half';
import { allocate } from '../runtime/typed';
import { checkMomentOptions, checkProductPrecision, MomentOptions, ProductOptions } from './options';
import { ITEM_SIZE } from '../npy/header';
import { NpyHeader, NpyReadOptions, readExactly, readNpyHeader } from '../npy/io';
import { checkRunOptions, resolveThreads, RunOptions } from '../runtime/run';

/**
 * Options of {@link covarianceFromNpy} and the other streaming readers. float16 and bfloat16
 * files are streamed too, each chunk widened to float32 (`void2` as for {@link readNpy}).
 */
export interface NpyStreamOptions extends MomentOptions, ProductOptions, RunOptions, NpyReadOptions {
  /** Rows per chunk (per read buffer). Default: from `maxMemory`, else about 32 MiB of rows. */
  chunkRows?: number;
  /**
   * Bound, in bytes, on what covlasso allocates for the job (a number, or a string such as
   * `'1g'`, `'512m'`, `'64MiB'`; binary units). See {@link streamMemory} for what is counted.
   */
  maxMemory?: number | string;
  /** Rows `[begin, end)` of the file to use (default: all). */
  rows?: [number, number];
}

/**
 * The native core's packing panels (moments.hpp): 8192·P bytes per side for float64 products, P =
 * columns rounded up to 16 (1024 rows × 8-double strips; float32 products take half, 1024 rows ×
 * 16-float strips: counted as the larger, since the products depend on both files' dtypes).
 */
const PANEL_ROWS = 1024;
const STRIP = 16;
const DEFAULT_CHUNK_BYTES = 32 * 2 ** 20;
const MAX_CHUNK_BYTES = 64 * 2 ** 20;
const PROGRESS_MS = 100;

/**
 * Parses a byte size: a non-negative number of bytes, or a string `<number>[k|m|g|t][i][b]`
 * (case-insensitive, binary units: `'1g'` = 2³⁰ bytes, `'1.5G'`, `'512MiB'`, `'64m'`).
 * @throws CovlassoRangeError (`ERR_COVLASSO_INVALID_ARGUMENT`) for anything else
 */
export function parseByteSize(value: number | string, name = 'maxMemory'): number {
  let bytes = NaN;
  if (typeof value === 'number') bytes = value;
  else if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([kmgt]?)(i?b)?\s*$/i.exec(value);
    if (m) bytes = Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
  }
  if (!Number.isFinite(bytes) || bytes <= 0) {
    throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `${name} must be a positive byte count or a size like '512m' or '1g', got ${JSON.stringify(value)}`);
  }
  return Math.floor(bytes);
}

const roundUp = (n: number, k: number): number => Math.ceil(n / k) * k;

/**
 * Bytes covlasso allocates to stream a covariance (`colsY` undefined) or cross moments with
 * `chunkRows` rows per chunk: the accumulator's colsX×colsY float64 state and the result matrix
 * (2·8·colsX·colsY), its shifts and sums, the native packing panels (8192 bytes × columns rounded
 * up to 16, per side), and two read buffers of `chunkRows` rows of every file (`rowBytes`: the
 * bytes of a row of all files together; a float16 or bfloat16 file counts 4 bytes per element,
 * its 2 in each read buffer and the float32 buffer it is widened into). Not counted: Node
 * itself, the core's small per-thread stacks.
 */
export function streamMemory(colsX: number, colsY: number | undefined, rowBytes: number, chunkRows: number): number {
  const q = colsY ?? colsX;
  const fixed = 16 * colsX * q + 16 * (colsX + q) + 8 * PANEL_ROWS * (roundUp(colsX, STRIP) + (colsY === undefined ? 0 : roundUp(q, STRIP)));
  return fixed + 2 * chunkRows * rowBytes;
}

const mib = (b: number): string => (b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${b} bytes`);

/** Rows per chunk from the options (internal; exported for the CLI and tests). */
export function planChunkRows(colsX: number, colsY: number | undefined, rowBytes: number, totalRows: number, options: NpyStreamOptions): number {
  const maxMemory = options.maxMemory === undefined ? undefined : parseByteSize(options.maxMemory);
  const fixed = streamMemory(colsX, colsY, rowBytes, 0);
  let chunkRows: number;
  if (options.chunkRows !== undefined) {
    chunkRows = options.chunkRows;
    if (!Number.isSafeInteger(chunkRows) || chunkRows < 1) {
      throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `chunkRows must be a positive integer, got ${chunkRows}`);
    }
    chunkRows = Math.min(chunkRows, totalRows);
    if (maxMemory !== undefined && fixed + 2 * chunkRows * rowBytes > maxMemory) {
      throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `chunkRows ${chunkRows} needs ${mib(fixed + 2 * chunkRows * rowBytes)}, more than maxMemory (${mib(maxMemory)})`);
    }
    return chunkRows;
  }
  let target = Math.floor(DEFAULT_CHUNK_BYTES / rowBytes);
  if (maxMemory !== undefined) {
    if (fixed + 2 * rowBytes > maxMemory) {
      throw new CovlassoRangeError(
        'ERR_COVLASSO_INVALID_ARGUMENT',
        `maxMemory (${mib(maxMemory)}) is too small: the ${colsX}x${colsY ?? colsX} float64 result and accumulator with ` +
          `its panels need ${mib(fixed)}, plus two read buffers of at least one row (${rowBytes} bytes each)`,
      );
    }
    target = Math.min(Math.floor((maxMemory - fixed) / (2 * rowBytes)), Math.floor(MAX_CHUNK_BYTES / rowBytes));
  }
  // Multiples of the native slice (4096 rows, itself a multiple of the core's 1024-row blocks)
  // make the streamed result bitwise equal to the in-memory one.
  const unit = [4096, PANEL_ROWS, 512].find((u) => target >= u);
  chunkRows = unit ? target - (target % unit) : Math.max(1, target);
  return Math.min(chunkRows, totalRows);
}

interface Source {
  path: string;
  fh: fs.promises.FileHandle;
  header: NpyHeader;
  rows: number;
  cols: number;
  /** Bytes of a row in the file. */
  rowBytes: number;
  /**
   * Bytes a row costs in memory, per read buffer: the file's bytes, plus for 16-bit files half of
   * the float32 row they are widened into (one widened buffer beside the two read buffers).
   */
  planBytes: number;
}

/**
 * The shape `[rows, cols]` of a `.npy` header that holds logits (internal; the CLI checks files
 * with it before reading any data).
 * @throws CovlassoRangeError (`ERR_COVLASSO_SHAPE_MISMATCH`) unless 2-d with columns;
 *   CovlassoTypeError (`ERR_COVLASSO_INVALID_DTYPE`) unless float16/bfloat16/float32/float64
 */
export function logitsShape(path: string, header: NpyHeader): [number, number] {
  if (header.shape.length !== 2) {
    throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${path}: logits must be 2-d (samples × categories), got shape (${header.shape.join(', ')})`);
  }
  if (header.dtype !== 'float32' && header.dtype !== 'float64' && header.dtype !== 'float16' && header.dtype !== 'bfloat16') {
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_DTYPE', `${path}: logits must be float16, bfloat16, float32 or float64, got ${header.dtype}`);
  }
  const [rows, cols] = header.shape;
  if (cols === 0) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${path}: logits have no columns`);
  return [rows, cols];
}

async function openSource(path: string, options: NpyReadOptions): Promise<Source> {
  const header = await readNpyHeader(path, options);
  const [rows, cols] = logitsShape(path, header);
  const fh = await fs.promises.open(path, 'r');
  const rowBytes = cols * ITEM_SIZE[header.dtype];
  return { path, fh, header, rows, cols, rowBytes, planBytes: is16(header) ? rowBytes + cols * 2 : rowBytes };
}

function is16(header: NpyHeader): header is NpyHeader & { dtype: 'float16' | 'bfloat16' } {
  return header.dtype === 'float16' || header.dtype === 'bfloat16';
}

/** Opens the files, checks options, plans the chunks, streams every row range into a new accumulator. */
async function accumulate(paths: string[], options: NpyStreamOptions): Promise<CovarianceAccumulator> {
  checkRunOptions(options);
  checkMomentOptions(options);
  checkProductPrecision(options.productPrecision);
  resolveThreads(options.threads); // validates early
  const { threads, productPrecision } = options;
  const { signal, onProgress } = options;
  if (signal?.aborted) throw new CovlassoAbortError(signal.reason);
  const sources: Source[] = [];
  try {
    for (const p of paths) sources.push(await openSource(p, options));
    const n = sources[0].rows;
    if (sources.some((s) => s.rows !== n)) {
      throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `both files need the same rows, got ${sources.map((s) => s.rows).join(' and ')}`);
    }
    if (options.rows !== undefined && (!Array.isArray(options.rows) || options.rows.length !== 2)) {
      throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'rows must be a [begin, end) pair');
    }
    const [a, b] = options.rows ?? [0, n];
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a < 0 || b > n || a >= b) {
      throw new CovlassoRangeError(n === 0 ? 'ERR_COVLASSO_SHAPE_MISMATCH' : 'ERR_COVLASSO_INVALID_ARGUMENT', `rows [${a}, ${b}) is empty or outside [0, ${n})`);
    }
    const cross = sources.length === 2;
    const rowBytes = sources.reduce((t, s) => t + s.planBytes, 0);
    const chunkRows = planChunkRows(sources[0].cols, cross ? sources[1].cols : undefined, rowBytes, b - a, options);
    const acc = new CovarianceAccumulator(sources[0].cols, cross ? sources[1].cols : undefined);
    const buffers = [0, 1].map(() => sources.map((s) => allocate(ArrayBuffer, chunkRows * s.rowBytes, 'a read buffer')));
    // 16-bit files: each chunk is widened into one float32 buffer per file before it is added.
    const widened = sources.map((s) => (is16(s.header) ? allocate(Float32Array, chunkRows * s.cols, 'a float32 buffer') : undefined));
    const readChunk = (set: number, start: number, rows: number): Promise<void> =>
      Promise.all(sources.map((s, i) => readExactly(s.fh, new Uint8Array(buffers[set][i], 0, rows * s.rowBytes), s.header.dataOffset + start * s.rowBytes, s.path))).then(() => undefined);
    const total = b - a;
    let lastReport = 0;
    const report = (fraction: number): void => {
      const now = Date.now();
      if (now - lastReport < PROGRESS_MS) return;
      lastReport = now;
      onProgress!(fraction);
    };
    let pending: Promise<void> | undefined = readChunk(0, a, Math.min(chunkRows, total));
    pending.catch(() => undefined);
    try {
      for (let start = a, set = 0; start < b; start += chunkRows, set ^= 1) {
        const rows = Math.min(chunkRows, b - start);
        await pending;
        pending = undefined;
        if (signal?.aborted) throw new CovlassoAbortError(signal.reason);
        const next = start + rows;
        if (next < b) {
          pending = readChunk(set ^ 1, next, Math.min(chunkRows, b - next));
          pending.catch(() => undefined);
        }
        const [x, y] = sources.map((s, i) => {
          const len = rows * s.cols;
          const h = s.header;
          const data = is16(h)
            ? widen16Into(h.dtype, new Uint16Array(buffers[set][i], 0, len), widened[i]!).subarray(0, len)
            : h.dtype === 'float32'
              ? new Float32Array(buffers[set][i], 0, len)
              : new Float64Array(buffers[set][i], 0, len);
          return new Matrix(rows, s.cols, data);
        });
        const done = start - a;
        await acc[UPDATE_IN_PLACE](x, { y, threads, productPrecision, signal, onProgress: onProgress && ((f) => report((done + f * rows) / total)) });
      }
    } finally {
      if (pending) await pending.catch(() => undefined);
    }
    onProgress?.(1);
    return acc;
  } finally {
    await Promise.all(sources.map((s) => s.fh.close().catch(() => undefined)));
  }
}

function checkDof(acc: CovarianceAccumulator, options: MomentOptions): void {
  const { center, ddof } = checkMomentOptions(options);
  if (center && acc.count - ddof <= 0) {
    throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `ddof ${ddof} leaves no degrees of freedom with ${acc.count} rows`);
  }
}

/**
 * Streams a 2-d float32/float64 C-order `.npy` file (N×C logits) into a covariance
 * {@link CovarianceAccumulator}, never holding the whole file: rows are read in chunks into two
 * reused buffers, the next chunk read while the native worker accumulates the current one.
 * Use it to {@link CovarianceAccumulator.save} a shard's state; `center`/`ddof` are only checked.
 * @throws CovlassoRangeError (`ERR_COVLASSO_INVALID_ARGUMENT`) when `maxMemory` cannot hold even
 *   the result, or for bad `rows` / `chunkRows`; NpyFormatError for unreadable files;
 *   NotFiniteError for NaN/Inf (row counted from `rows[0]`); CovlassoAbortError on abort
 */
export async function accumulateFromNpy(path: string, options: NpyStreamOptions = {}): Promise<CovarianceAccumulator> {
  return accumulate([path], options);
}

/**
 * Covariance (C×C float64 {@link Matrix}) of the logits in a `.npy` file, streamed in row chunks
 * under an optional memory bound (see {@link NpyStreamOptions}). Equal to {@link covariance} of
 * the loaded matrix: bitwise when every chunk is a multiple of 4096 rows (the default choice
 * when a chunk holds that many), else within rounding (float64 input: ~1e-15 relative; float32
 * input, whose products the core sums in float32 over 64 rows: ~1e-7).
 * @example
 * const S = await covarianceFromNpy('logits.npy', { center: true, maxMemory: '1g', onProgress });
 */
export async function covarianceFromNpy(path: string, options: NpyStreamOptions = {}): Promise<Matrix> {
  const acc = await accumulate([path], options);
  checkDof(acc, options);
  return acc.result(options);
}

/**
 * Streams two `.npy` files over the same rows (X: N×p sources, Y: N×q targets) into a cross
 * moment accumulator; see {@link accumulateFromNpy}. Both files are read chunk by chunk.
 */
export async function accumulateCrossFromNpy(pathX: string, pathY: string, options: NpyStreamOptions = {}): Promise<CovarianceAccumulator> {
  return accumulate([pathX, pathY], options);
}

/**
 * Cross moments `XᵀY/N` (p×q float64), or centered, of two `.npy` files over the same rows,
 * streamed like {@link covarianceFromNpy}; equals {@link crossMoments} of the loaded matrices.
 */
export async function crossMomentsFromNpy(pathX: string, pathY: string, options: NpyStreamOptions = {}): Promise<Matrix> {
  const acc = await accumulate([pathX, pathY], options);
  checkDof(acc, options);
  return acc.result(options);
}

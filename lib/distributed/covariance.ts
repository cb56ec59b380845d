/**
 * Covariance shards: the rows of shard k of n of a `.npy` logits file streamed into a `.cov`
 * accumulator state (written atomically), and the merge of those states into one.
 * @module
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { CovarianceAccumulator } from '../covariance/accumulator';
import { decodeAccumulatorState, encodeAccumulatorState } from '../covariance/state-file';
import { accumulateFromNpy, logitsShape, NpyStreamOptions } from '../covariance/stream';
import { readNpyHeader } from '../npy/io';
import { AccumulatorStateError, CovlassoError, ShardError } from '../runtime/errors';
import { readWholeFile } from '../runtime/file-io';
import { checkShard, shardRange, ShardSpec } from './shard';
import { writeBytesAtomically } from './files';

/** Options of {@link covarianceShard}: the stream's options (not `rows`) and the shard. */
export interface CovarianceShardOptions extends Omit<NpyStreamOptions, 'rows' | 'center' | 'ddof'> {
  /** The shard whose rows to accumulate: rows `shardRange(k, n, R)` of the range below. */
  shard: ShardSpec;
  /** Rows `[begin, end)` of the file that the n shards split (default: all rows). */
  rows?: [number, number];
  /** Where to write the `.cov` state (atomically: a temporary file renamed over it). */
  out: string;
  /**
   * Keep an existing `out` that already holds this shard (a valid state of the shard's row
   * count and width, see {@link verifyCovarianceShard}): no stream, the file is left untouched.
   */
  reuse?: boolean;
}

/** What a covariance shard holds (returned by {@link covarianceShard} and {@link verifyCovarianceShard}). */
export interface CovarianceShardInfo {
  /** The `.cov` file. */
  file: string;
  /** The file rows `[begin, end)` this shard accumulated. */
  rows: [number, number];
  /** Categories (columns). */
  categories: number;
}

/** The file rows of shard k/n of the range `rows` (default all) of a logits file. */
export async function covarianceShardRows(path: string, shard: ShardSpec, rows?: [number, number]): Promise<[number, number]> {
  const { k, n } = checkShard(shard);
  const [total] = logitsShape(path, await readNpyHeader(path));
  const [a, b] = rows ?? [0, total];
  const [begin, end] = shardRange(k, n, b - a);
  return [a + begin, a + end];
}

/**
 * Accumulates the rows of shard `k` of `n` of a 2-d float32/float64 `.npy` logits file into a
 * covariance accumulator and saves its state to `out` (a `.cov` file, written atomically, so an
 * interrupted shard leaves no file that counts), then a record of it to `out.json` (input,
 * shard, rows, products, the state's SHA-256) for {@link verifyCovarianceShard}. Rows are split evenly by {@link shardRange};
 * merge the n states with {@link mergeCovarianceShards} (or `CovarianceAccumulator.load` and
 * `merge`). Products: float64 unless `productPrecision` says otherwise (as `covlasso deps`).
 * What `covlasso cov logits.npy --shard k/n --save-state shard-k.cov` runs.
 * @example
 * await covarianceShard('logits.npy', { shard: { k: 0, n: 8 }, out: 'cov-0.cov' });
 * @throws ShardError (`ERR_COVLASSO_SHARD`) for a bad shard spec or an empty shard; the
 *   stream's own errors (`NpyFormatError`, `ERR_COVLASSO_INVALID_ARGUMENT`) otherwise
 */
export async function covarianceShard(path: string, options: CovarianceShardOptions): Promise<CovarianceShardInfo> {
  const { shard, rows: range, out, reuse, ...stream } = options;
  if (typeof out !== 'string' || out === '') throw new ShardError('covarianceShard() needs out: the .cov file to write');
  const rows = await covarianceShardRows(path, shard, range);
  if (rows[0] === rows[1]) throw new ShardError(`shard ${shard.k}/${shard.n} of ${path} holds no rows (more shards than rows)`, { shard: shard.k });
  if (reuse) {
    const existing = await verifyCovarianceShard(path, { shard, rows: range, out, productPrecision: stream.productPrecision });
    if (existing) return existing;
  }
  const productPrecision = stream.productPrecision ?? 'float64';
  const acc = await accumulateFromNpy(path, { ...stream, rows, productPrecision });
  const bytes = encodeAccumulatorState(acc.toState());
  await writeBytesAtomically(out, bytes);
  // The record of what the state holds, written after it: a state without its record never verifies.
  await writeBytesAtomically(shardRecordPath(out), JSON.stringify(shardRecord(path, shard, rows, productPrecision, bytes)));
  return { file: out, rows, categories: acc.cols };
}

/** The record written next to a covariance shard `x.cov`: `x.cov.json`. */
export function shardRecordPath(out: string): string {
  return `${out}.json`;
}

/** What a covariance shard's record says: the input, the shard, its rows, the products and the state's hash. */
function shardRecord(path: string, shard: ShardSpec, rows: [number, number], productPrecision: string, bytes: Uint8Array): Record<string, unknown> {
  return {
    format: 'covlasso-cov-shard',
    version: 1,
    input: nodePath.resolve(path),
    shard: { k: shard.k, n: shard.n },
    rows,
    productPrecision,
    sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
  };
}

/**
 * Reads a covariance shard's `.cov` state and checks it holds `rows` rows of `categories`
 * columns of a covariance (not cross-moment) accumulator; returns the accumulator.
 * @throws ShardError (`ERR_COVLASSO_SHARD`, naming the shard and file) when the file is missing,
 *   corrupted (not a state, checksum) or holds other rows or columns
 */
export async function loadCovarianceShard(file: string, expect: { shard?: number; count?: number; categories?: number } = {}): Promise<CovarianceAccumulator> {
  const name = expect.shard === undefined ? file : `shard ${expect.shard} (${file})`;
  let acc: CovarianceAccumulator;
  try {
    acc = CovarianceAccumulator.fromState(decodeAccumulatorState(await readWholeFile(file, AccumulatorStateError), file));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `cannot be read: ${(error as Error).message}`;
    if (error instanceof CovlassoError || (error as NodeJS.ErrnoException).code !== undefined) throw new ShardError(`covariance ${name} ${why}`, { shard: expect.shard, file, cause: error });
    throw error;
  }
  const fail = (why: string): never => {
    throw new ShardError(`covariance ${name} ${why}`, { shard: expect.shard, file });
  };
  if (acc.isCross) fail('is a cross-moment state, not a covariance');
  if (expect.categories !== undefined && acc.cols !== expect.categories) fail(`has ${acc.cols} categories, expected ${expect.categories}`);
  if (expect.count !== undefined && acc.count !== expect.count) fail(`holds ${acc.count} rows, expected ${expect.count}`);
  return acc;
}

/**
 * Whether `out` already holds shard `shard` of the rows of `path`: its record `out.json`
 * (written by {@link covarianceShard} after the state) names this input, shard, rows and
 * products and the state's SHA-256, and the state is valid with that many rows and columns. A
 * rerun can then skip it. Never throws for a missing or bad file.
 */
export async function verifyCovarianceShard(path: string, options: Pick<CovarianceShardOptions, 'shard' | 'rows' | 'out' | 'productPrecision'>): Promise<CovarianceShardInfo | undefined> {
  const rows = await covarianceShardRows(path, options.shard, options.rows);
  const [, categories] = logitsShape(path, await readNpyHeader(path));
  let bytes: Uint8Array;
  let record: string;
  try {
    bytes = await readWholeFile(options.out, AccumulatorStateError);
    record = await fs.promises.readFile(shardRecordPath(options.out), 'utf8');
  } catch {
    return undefined;
  }
  if (record !== JSON.stringify(shardRecord(path, options.shard, rows, options.productPrecision ?? 'float64', bytes))) return undefined;
  try {
    await loadCovarianceShard(options.out, { shard: options.shard.k, count: rows[1] - rows[0], categories });
  } catch (error) {
    if (error instanceof ShardError) return undefined;
    throw error;
  }
  return { file: options.out, rows, categories };
}

/** Options of {@link mergeCovarianceShards}. */
export interface MergeCovarianceOptions {
  /** Write the merged state here (atomically), e.g. for the target shards' `state` source. */
  out?: string;
  /** The rows the shards must hold together (checked against the merged count). */
  count?: number;
  /** Leave an `out` that already holds exactly the merged state untouched (reruns change nothing). */
  reuse?: boolean;
}

/**
 * Merges covariance shard states (`files[k]` = shard k, merged in that order) into one
 * accumulator, optionally saved to `out`. What `covlasso cov --merge shard-*.cov --save-state
 * merged.cov` runs; the merged S equals the single-process covariance within rounding (≤ 1e-12
 * relative; the shifts and sums are combined, not recomputed).
 * @throws ShardError (`ERR_COVLASSO_SHARD`, naming the shard) for no files, a missing or
 *   corrupted file, shards of different widths, or a merged count other than `count`
 */
export async function mergeCovarianceShards(files: readonly string[], options: MergeCovarianceOptions = {}): Promise<CovarianceAccumulator> {
  if (!Array.isArray(files) || files.length === 0) throw new ShardError('mergeCovarianceShards() needs one or more .cov shard files');
  const acc = await loadCovarianceShard(files[0], { shard: 0 });
  for (let k = 1; k < files.length; k++) acc.merge(await loadCovarianceShard(files[k], { shard: k, categories: acc.cols }));
  if (options.count !== undefined && acc.count !== options.count) {
    throw new ShardError(`the ${files.length} covariance shards hold ${acc.count} rows together, expected ${options.count}`);
  }
  if (options.out !== undefined) await writeBytesAtomically(options.out, encodeAccumulatorState(acc.toState()), options.reuse);
  return acc;
}

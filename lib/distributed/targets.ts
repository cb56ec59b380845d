/**
 * Target shards: the dependencies of slice k of n of the targets, solved on one covariance (a
 * saved S `.npy`, or merged `.cov` states) exactly as `covlasso deps` solves them in one process,
 * written as a partial result that {@link mergeDependencyShards} combines.
 * @module
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { CovarianceAccumulator } from '../covariance/accumulator';
import { dependenciesFromCovariance, FindDependenciesOptions } from '../dependencies/find';
import { allocate, markPrivate } from '../runtime/typed';
import type { DependencyReport, TargetDependency } from '../dependencies/types';
import { readNpy, readNpyHeader, readNpyRows } from '../npy/io';
import { CovlassoRangeError, ShardError } from '../runtime/errors';
import { Matrix } from '../runtime/matrix';
import { loadCovarianceShard } from './covariance';
import { writeJsonAtomically } from './files';
import { checkShard, shardRange, ShardSpec } from './shard';

/** The `format` field of a partial dependency result. */
export const PARTIAL_FORMAT = 'covlasso-deps-partial';
/** The `version` of the partial result format this release writes and reads. */
export const PARTIAL_VERSION = 1;

/**
 * Where a target shard's covariance comes from: a saved covariance `S.npy` (C×C, e.g. from
 * `covlasso cov --out`; `samples` and `means` as for `dependenciesFromCovariance`), or one or
 * more `.cov` states (merged in order; S is their `result({ center, ddof })`, as `deps --state`).
 */
export type CovarianceSource =
  | {
      /** A `.npy` covariance S (C×C float64). */
      cov: string;
      /** How many rows S was computed from (recorded in the report). */
      samples?: number;
      /** Column means of the logits, for the intercepts (default: none). */
      means?: Float64Array;
    }
  | {
      /** One `.cov` accumulator state, or several to merge (e.g. the covariance shards). */
      state: string | readonly string[];
    };

/** Options of {@link dependencyShard}: those of `findDependencies` that `deps` uses, the shard and the output. */
export interface DependencyShardOptions extends Pick<FindDependenciesOptions, 'lambda' | 'lambdaRatio' | 'tol' | 'maxIter' | 'center' | 'ddof' | 'names' | 'path' | 'threads' | 'signal' | 'onProgress' | 'backend'> {
  /** The shard: positions `shardRange(k, n, targets.length)` of the target list. */
  shard: ShardSpec;
  /** The whole list of targets that the n shards split (default: every category, in order). */
  targets?: ArrayLike<number>;
  /** Where to write the partial result (JSON, atomically). */
  out: string;
  /**
   * Keep an existing `out` that already is this shard's result (same shard, options and
   * covariance hash, valid records): no solve, the file is left untouched. Default false.
   */
  reuse?: boolean;
}

/** The options that must agree between the parts of one result (as recorded in each part). */
export interface PartialOptions {
  /** Absolute λ, or null when given as a ratio. */
  lambda: number | null;
  /** λ as a fraction of each target's λ_max, or null. */
  lambdaRatio: number | null;
  /** The certificate's tolerance: converged when gap ≤ tol·S_tt. */
  tol: number;
  /** Sweeps allowed per target and λ, or null for the default. */
  maxIter: number | null;
  /** Whether S is the centered covariance (true) or the second moment. */
  center: boolean;
  /** Delta degrees of freedom of a centered S, or null for the default. */
  ddof: number | null;
  /** The λ path recorded per target, or null for none. */
  path: {
    /** Number of λ values, or null for the default. */
    nLambda: number | null;
    /** Smallest λ as a fraction of λ_max, or null for the default. */
    ratioMin: number | null;
  } | null;
  /** SHA-256 of the names joined by newlines, or null without names. */
  names: string | null;
  /** The whole target list, or null for every category in order. */
  targets: number[] | null;
}

/** The identity of the covariance a part was solved on. */
export interface CovarianceIdentity {
  /** Where S came from: a `.npy` covariance or `.cov` states. */
  source: 'cov' | 'state';
  /** SHA-256 (hex) of S as solved: its dtype, shape and bytes. */
  sha256: string;
  /** C, the number of categories. */
  categories: number;
  /** How many rows S was computed from. */
  samples: number;
}

/** One target's certificate, as the shard checked it: the solver's gap against tol·S_tt. */
export interface TargetCertificate {
  /** The target category. */
  target: number;
  /** S_tt, the target's variance (the certificate's scale). */
  variance: number;
  /** The duality gap of its coefficients. */
  gap: number;
  /** Whether the solver certified it (gap ≤ tol·S_tt). */
  converged: boolean;
}

/** A partial dependency result: what {@link dependencyShard} writes, one JSON file per shard. */
export interface DependencyPartial {
  /** The file format's name. */
  format: typeof PARTIAL_FORMAT;
  /** The file format's version. */
  version: typeof PARTIAL_VERSION;
  /** Which shard k of n this part is. */
  shard: ShardSpec;
  /** Positions `[begin, end)` of the target list this part holds. */
  positions: [number, number];
  /** The options it was solved with (all parts must agree). */
  options: PartialOptions;
  /** The covariance it was solved on (all parts must agree). */
  covariance: CovarianceIdentity;
  /** The part of the report: `targets` holds this shard's records, in target-list order. */
  report: DependencyReport;
  /** Each target's certificate, in the order of `report.targets`. */
  certificates: TargetCertificate[];
}

/** The covariance of a source, its identity, and the solve that `deps` runs on it. */
interface LoadedSource {
  S: Matrix;
  identity: CovarianceIdentity;
  solve(options: FindDependenciesOptions): Promise<DependencyReport>;
}

/** SHA-256 of a matrix's dtype, shape and bytes. */
export function matrixHash(S: Matrix): string {
  const h = crypto.createHash('sha256');
  h.update(`${S.dtype} ${S.rows}x${S.cols}\n`);
  h.update(new Uint8Array(S.data.buffer, S.data.byteOffset, S.data.byteLength));
  return h.digest('hex');
}

/** The categories of a saved covariance `.npy` from its header: a square float64/float32 matrix. */
export function covarianceNpyShape(file: string, header: { dtype: string; shape: number[] }): number {
  if (header.shape.length !== 2 || header.shape[0] !== header.shape[1] || (header.dtype !== 'float64' && header.dtype !== 'float32')) {
    throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${file} must be a square float64/float32 covariance, got ${header.dtype} (${header.shape.join(', ')})`);
  }
  return header.shape[1];
}

/** Rows of a float64 covariance file rounded into float32 per read (64 MiB of float64 at a time). */
const ROUNDING_READ_BYTES = 64 << 20;

/**
 * Reads a saved square float64/float32 covariance `.npy` (e.g. from `covlasso cov --out`). With
 * `dtype` 'float32' a float64 file is read in slices of rows, each rounded into the float32
 * matrix (as `astype` rounds), so the float64 S is never held whole; otherwise as stored.
 */
export async function readCovarianceNpy(file: string, dtype?: 'float32' | 'float64'): Promise<Matrix> {
  const header = await readNpyHeader(file);
  const categories = covarianceNpyShape(file, header);
  if (dtype !== 'float32' || header.dtype !== 'float64') {
    return new Matrix(categories, categories, (await readNpy(file)).data as Float32Array | Float64Array);
  }
  const data = allocate(Float32Array, categories * categories, `the ${categories}×${categories} float32 covariance`);
  const step = Math.max(1, Math.floor(ROUNDING_READ_BYTES / (8 * categories)));
  for (let r = 0; r < categories; r += step) {
    data.set((await readNpyRows(file, [r, Math.min(categories, r + step)])).data as Float64Array, r * categories);
  }
  return new Matrix(categories, categories, data);
}

async function loadSource(source: CovarianceSource, center: boolean, ddof: number | undefined): Promise<LoadedSource> {
  if (source === null || typeof source !== 'object') throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', 'the covariance source must be { cov } or { state }');
  if ('cov' in source && typeof source.cov === 'string') {
    if (ddof !== undefined) throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', 'ddof applies when the covariance is formed (a state source), not to a saved S');
    const S = await readCovarianceNpy(source.cov);
    markPrivate(S.data); // read here, never handed out: the solves read it in place
    const samples = source.samples ?? 0;
    return {
      S,
      identity: { source: 'cov', sha256: matrixHash(S), categories: S.cols, samples },
      solve: (options) => dependenciesFromCovariance(S, { ...options, samples, means: source.means }),
    };
  }
  if ('state' in source && source.state !== undefined) {
    const files = typeof source.state === 'string' ? [source.state] : [...source.state];
    if (files.length === 0) throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', 'a state source needs one or more .cov files');
    const acc: CovarianceAccumulator = await loadCovarianceShard(files[0]);
    for (const file of files.slice(1)) acc.merge(await loadCovarianceShard(file, { categories: acc.cols }));
    // One S for the hash and the solves (what findDependencies(acc) would form again: the same
    // result, samples and means), read in place by them: the shard holds S once.
    const S = acc.result({ center, ddof });
    markPrivate(S.data);
    const means = center ? acc.means() : undefined;
    return {
      S,
      identity: { source: 'state', sha256: matrixHash(S), categories: S.cols, samples: acc.count },
      solve: ({ ddof: _ddof, ...options }) => dependenciesFromCovariance(S, { ...options, samples: acc.count, means }),
    };
  }
  throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', 'the covariance source must be { cov: "S.npy" } or { state: "merged.cov" }');
}

/** The whole target list: checked indices, no duplicates. */
function targetList(targets: ArrayLike<number> | undefined, categories: number): number[] {
  if (targets === undefined) return Array.from({ length: categories }, (_, i) => i);
  const list = Array.from(targets);
  const seen = new Set<number>();
  for (const t of list) {
    if (!Number.isSafeInteger(t) || t < 0 || t >= categories) throw new CovlassoRangeError('ERR_COVLASSO_TARGET_OUT_OF_RANGE', `target ${t} is outside 0..${categories - 1}`);
    if (seen.has(t)) throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `target ${t} is listed twice: each target belongs to exactly one shard`);
    seen.add(t);
  }
  return list;
}

/** The options recorded in a part (what must agree between the parts). */
function partialOptions(options: DependencyShardOptions, targets: number[] | null): PartialOptions {
  const names = options.names ? crypto.createHash('sha256').update(options.names.join('\n')).digest('hex') : null;
  return {
    lambda: options.lambda ?? null,
    lambdaRatio: options.lambdaRatio ?? null,
    tol: options.tol ?? 1e-6,
    maxIter: options.maxIter ?? null,
    center: options.center ?? false,
    ddof: options.ddof ?? null,
    path: options.path ? { nLambda: options.path.nLambda ?? null, ratioMin: options.path.ratioMin ?? null } : null,
    names,
    targets,
  };
}

/**
 * Solves the dependencies of shard `k` of `n` of the targets (positions
 * `shardRange(k, n, targets.length)` of the target list, default every category) on one
 * covariance, exactly as `findDependencies` / `dependenciesFromCovariance` would in one process,
 * and writes a partial result to `out` (JSON, atomically): the shard, the options, the
 * covariance's identity (SHA-256 of S), the records and each target's certificate (S_tt, gap,
 * converged). Combine the n parts with {@link mergeDependencyShards}. What
 * `covlasso deps --cov S.npy | --state merged.cov --shard k/n --out part-k.json` runs.
 * @example
 * await dependencyShard({ state: 'merged.cov' }, { shard: { k: 2, n: 8 }, lambdaRatio: 0.1, out: 'part-2.json' });
 * @throws ShardError (`ERR_COVLASSO_SHARD`) for a bad shard spec or a missing / corrupted state;
 *   `ERR_COVLASSO_TARGET_OUT_OF_RANGE` / `ERR_COVLASSO_INVALID_ARGUMENT` for a bad target list;
 *   the solver's typed errors otherwise
 */
export async function dependencyShard(source: CovarianceSource, options: DependencyShardOptions): Promise<DependencyPartial> {
  const { k, n } = checkShard(options.shard);
  if (typeof options.out !== 'string' || options.out === '') throw new ShardError('dependencyShard() needs out: the partial result file to write');
  const center = options.center ?? false;
  const loaded = await loadSource(source, center, options.ddof);
  const categories = loaded.S.cols;
  if (options.names && options.names.length !== categories) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${options.names.length} names for ${categories} categories`);
  const list = targetList(options.targets, categories);
  const recorded = partialOptions(options, options.targets === undefined ? null : list);
  const positions = shardRange(k, n, list.length);
  if (options.reuse) {
    const existing = await tryReadPartial(options.out);
    if (existing && existing.shard.k === k && existing.shard.n === n && sameJson(existing.options, recorded) && sameJson(existing.covariance, loaded.identity)) return existing;
  }
  const slice = list.slice(positions[0], positions[1]);
  const { lambda, lambdaRatio, tol, maxIter, ddof, names, path, threads, signal, onProgress, backend } = options;
  const solveOptions: FindDependenciesOptions = { lambda, lambdaRatio, tol, maxIter, center, names, path, threads, signal, onProgress, backend, targets: slice };
  if (loaded.identity.source === 'state' && ddof !== undefined) solveOptions.ddof = ddof;
  const report: DependencyReport =
    slice.length > 0 ? await loaded.solve(solveOptions) : { categories, samples: loaded.identity.samples, center, targets: [] };
  const S = loaded.S;
  const certificates = report.targets.map((t) => ({ target: t.target, variance: S.data[t.target * categories + t.target], gap: t.gap, converged: t.converged }));
  const partial: DependencyPartial = {
    format: PARTIAL_FORMAT,
    version: PARTIAL_VERSION,
    shard: { k, n },
    positions,
    options: recorded,
    covariance: loaded.identity,
    report,
    certificates,
  };
  await writeJsonAtomically(options.out, partial);
  return partial;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function tryReadPartial(file: string): Promise<DependencyPartial | undefined> {
  try {
    return await readDependencyPartial(file);
  } catch (error) {
    if (error instanceof ShardError) return undefined;
    throw error;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Reads and checks the structure of a partial result written by {@link dependencyShard}: the
 * format and version, the shard and its positions, records and certificates that agree (same
 * count, targets and gaps). Does not compare it with other parts ({@link mergeDependencyShards}
 * does).
 * @throws ShardError (`ERR_COVLASSO_SHARD`, naming the file and, when readable, the shard) for a
 *   missing, unreadable, truncated or corrupted file
 */
export async function readDependencyPartial(file: string, label = file): Promise<DependencyPartial> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `cannot be read (${(error as Error).message})`;
    throw new ShardError(`partial result ${label} ${why}`, { file, cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ShardError(`partial result ${label} is corrupted: not JSON (${(error as Error).message})`, { file, cause: error });
  }
  const bad = (why: string, shard?: number): never => {
    throw new ShardError(`partial result ${label}${shard === undefined ? '' : ` (shard ${shard})`} is corrupted: ${why}`, { file, shard });
  };
  if (!isObject(value) || value.format !== PARTIAL_FORMAT) return bad(`not a ${PARTIAL_FORMAT} file`);
  if (value.version !== PARTIAL_VERSION) return bad(`version ${String(value.version)}, this release reads ${PARTIAL_VERSION}`);
  const shard = value.shard as ShardSpec;
  try {
    checkShard(shard);
  } catch {
    return bad(`bad shard ${JSON.stringify(shard)}`);
  }
  const k = shard.k;
  const { positions, report, certificates, options, covariance } = value as unknown as DependencyPartial;
  if (!isObject(options) || !isObject(covariance) || typeof covariance.sha256 !== 'string' || !Number.isSafeInteger(covariance.categories)) return bad('options or covariance identity missing', k);
  if (!Array.isArray(positions) || positions.length !== 2 || !positions.every(Number.isSafeInteger)) return bad('positions missing', k);
  if (!isObject(report) || !Array.isArray(report.targets) || !Array.isArray(certificates)) return bad('records or certificates missing', k);
  if (report.targets.length !== positions[1] - positions[0] || certificates.length !== report.targets.length) {
    return bad(`${report.targets.length} records and ${certificates.length} certificates for positions [${positions[0]}, ${positions[1]})`, k);
  }
  report.targets.forEach((t: TargetDependency, i: number) => {
    const c = certificates[i];
    if (!isObject(t) || !Number.isSafeInteger(t.target) || !Array.isArray(t.sources) || !Array.isArray(t.coef) || typeof t.gap !== 'number' || typeof t.converged !== 'boolean') {
      bad(`record ${i} is not a dependency record`, k);
    }
    if (!isObject(c) || c.target !== t.target || c.gap !== t.gap || c.converged !== t.converged || typeof c.variance !== 'number') {
      bad(`the certificate of record ${i} (target ${t.target}) does not match it`, k);
    }
  });
  return value as unknown as DependencyPartial;
}

/**
 * Shards: which contiguous slice of rows (or of targets) shard k of n owns, so that any
 * scheduler (Slurm job arrays, Kubernetes Indexed Jobs, a BullMQ queue) can run one process per
 * shard and the merges see every item exactly once.
 * @module
 */
import { ShardError } from '../runtime/errors';

/** Shard `k` of `n` (0-based: `0 ≤ k < n`), as `SLURM_ARRAY_TASK_ID` or `JOB_COMPLETION_INDEX` count. */
export interface ShardSpec {
  /** This shard's index, 0-based. */
  k: number;
  /** How many shards the work is split into. */
  n: number;
}

/**
 * Checks a shard spec.
 * @throws ShardError (`ERR_COVLASSO_SHARD`) unless `n` is a positive safe integer and `k` an
 *   integer in `[0, n)`
 */
export function checkShard(shard: ShardSpec, what = 'shard'): ShardSpec {
  if (shard === null || typeof shard !== 'object') throw new ShardError(`${what} must be { k, n }, got ${String(shard)}`);
  const { k, n } = shard;
  if (!Number.isSafeInteger(n) || n < 1) throw new ShardError(`${what}: the number of shards must be a positive integer, got ${String(n)}`);
  if (!Number.isSafeInteger(k) || k < 0 || k >= n) throw new ShardError(`${what}: shard index must be an integer in [0, ${n}), got ${String(k)}`);
  return { k, n };
}

/**
 * The items `[begin, end)` of shard `k` of `n` over `total` items (rows of a logits file, or
 * positions in a list of targets): contiguous, in order, sizes differing by at most one (the
 * first `total mod n` shards take one more), every item in exactly one shard. Shards beyond
 * `total` (when n > total) are empty (`begin === end`).
 * @example
 * shardRange(0, 3, 10); // [0, 4]
 * shardRange(2, 3, 10); // [7, 10]
 * @throws ShardError (`ERR_COVLASSO_SHARD`) for k or n out of range, or a negative or
 *   non-integer total
 */
export function shardRange(k: number, n: number, total: number): [number, number] {
  checkShard({ k, n });
  if (!Number.isSafeInteger(total) || total < 0) throw new ShardError(`shard total must be a non-negative integer, got ${String(total)}`);
  const base = Math.floor(total / n);
  const extra = total % n;
  const begin = k * base + Math.min(k, extra);
  return [begin, begin + base + (k < extra ? 1 : 0)];
}

/**
 * Parses a shard spec written `k/n` (0-based k, e.g. `0/4` … `3/4`), as the CLI's `--shard`
 * takes it.
 * @throws ShardError (`ERR_COVLASSO_SHARD`) for anything else or k/n out of range
 */
export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(String(text));
  if (!m) throw new ShardError(`a shard is written k/n (0-based k < n, e.g. 0/4), got '${String(text)}'`);
  return checkShard({ k: Number(m[1]), n: Number(m[2]) });
}

/**
 * The CLI beyond one machine (issue #15): `cov --shard k/n` and `deps --shard k/n` (the shard
 * steps any scheduler can run: Slurm arrays, Kubernetes Indexed Jobs), `covlasso merge` (the
 * partial results into the report one process writes) and `covlasso queue submit|worker` (the
 * same steps run by BullMQ over Redis). Thin: lib/distributed and lib/queue do the work.
 * @module
 */
import * as fs from 'node:fs';
import { covarianceShard, dependencyShard, mergeDependencyShards, parseShard } from '../distributed';
import type { CovarianceSource, ShardSpec } from '../distributed';
import type { CovarianceShardOptions } from '../distributed/covariance';
import type { DependencyShardOptions } from '../distributed/targets';
import { HelpRequest, ParsedArgs, parseArgs, numberOption, positiveInteger, UsageError, writeJsonOutput } from './args';
import { progressBar, withProgressBar } from './progress';

/** `--shard k/n` as a shard spec (a usage error when malformed). */
export function shardOption(args: ParsedArgs): ShardSpec {
  const raw = args.values.get('shard')!;
  try {
    return parseShard(raw);
  } catch (error) {
    throw new UsageError(`--shard: ${(error as Error).message}`);
  }
}

/** Refuses flags that a shard step does not take. */
export function refuseWithShard(args: ParsedArgs, flags: readonly string[]): void {
  for (const flag of flags) {
    if (args.values.has(flag) || args.switches.has(flag)) throw new UsageError(`--${flag} does not apply with --shard`);
  }
}

/**
 * `cov <logits.npy> --shard k/n --save-state cov-k.cov [--rows a:b]`: accumulates shard k of the
 * rows into a `.cov` state (and its record `cov-k.cov.json`), skipping the work when a verified
 * state is already there.
 */
export async function runCovShard(file: string, args: ParsedArgs, options: Omit<CovarianceShardOptions, 'shard' | 'out' | 'onProgress'>): Promise<void> {
  refuseWithShard(args, ['out', 'merge', 'center', 'ddof']);
  const out = args.values.get('save-state');
  if (out === undefined) throw new UsageError('cov --shard needs --save-state <shard.cov>');
  const bar = progressBar(args.switches, 'cov');
  try {
    await covarianceShard(file, { ...options, shard: shardOption(args), out, reuse: true, onProgress: bar.update });
  } finally {
    bar.done();
  }
}

/**
 * `deps --cov S.npy | --state a.cov[,b.cov] --shard k/n --out part-k.json`: solves shard k of
 * the targets and writes a partial result for `covlasso merge`.
 */
export async function runDepsShard(args: ParsedArgs, options: Omit<DependencyShardOptions, 'shard' | 'out' | 'onProgress' | 'reuse'>): Promise<void> {
  refuseWithShard(args, ['eval-rows', 'eval', 'labels', 'graph', 'format', 'strict', 'positive', 'l1-ratio', 'penalty-factor', 'rows', 'max-memory', 'chunk-rows', 'product-precision', 'covariance-dtype']);
  if (args.positionals.length > 0) throw new UsageError('deps --shard takes --cov S.npy or --state a.cov[,b.cov] (a logits file: first cov --shard, then merge the states)');
  const out = args.values.get('out');
  if (out === undefined) throw new UsageError('deps --shard needs --out <part.json>');
  let source: CovarianceSource;
  if (args.values.has('cov')) {
    if (args.values.has('ddof')) throw new UsageError('--ddof applies when the covariance is formed (cov --ddof, or deps --state)');
    source = { cov: args.values.get('cov')! };
  } else if (args.values.has('state')) {
    source = { state: args.values.get('state')!.split(',').filter((f) => f !== '') };
  } else {
    throw new UsageError('deps --shard needs --cov S.npy or --state a.cov[,b.cov,...]');
  }
  const shard = shardOption(args);
  await withProgressBar(args.switches, 'deps', (onProgress) => dependencyShard(source, { ...options, shard, out, reuse: true, onProgress }));
}

/**
 * `covlasso merge part-0.json part-1.json ... [--out deps.json] [--allow-unconverged]`: checks
 * that the parts are one job, every target present once, every certificate holding, and writes
 * the report `covlasso deps` would (format "covlasso-deps").
 */
export async function runMerge(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, ['out'], ['allow-unconverged', 'quiet']);
  if (args.positionals.length === 0) throw new UsageError('merge needs the partial results (part-*.json) of deps --shard');
  const report = await mergeDependencyShards(args.positionals, { allowUnconverged: args.switches.has('allow-unconverged') });
  writeJsonOutput(args, 'covlasso-deps', report);
}

/** `--redis host:port` (or `redis://host:port`), default 127.0.0.1:6379. */
function redisOption(args: ParsedArgs): { host: string; port: number } {
  const raw = (args.values.get('redis') ?? '127.0.0.1:6379').replace(/^redis:\/\//, '').replace(/\/$/, '');
  const m = /^(.*):(\d+)$/.exec(raw);
  const host = m ? m[1] : raw;
  const port = m ? Number(m[2]) : 6379;
  if (host === '' || !(port > 0 && port < 65536)) throw new UsageError(`--redis: expected host:port, got '${args.values.get('redis')}'`);
  return { host, port };
}

/**
 * `covlasso queue submit job.json [--redis host:port] [--queue name]`: enqueues the whole job
 * (a QueueJobSpec, see covlasso/queue), waits for it and prints its result; resubmitting a job
 * id is a no-op. `covlasso queue worker [--redis host:port] [--queue name] [--concurrency n]
 * [-j threads]`: runs steps until SIGINT/SIGTERM.
 */
export async function runQueue(argv: readonly string[]): Promise<void> {
  const [action, ...rest] = argv;
  if (action === '--help' || action === '-h') throw new HelpRequest();
  // Loaded here: bullmq is an optional peer dependency, only the queue commands need it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const queue = require('../queue') as typeof import('../queue');
  if (action === 'submit') {
    const args = parseArgs(rest, ['redis', 'queue'], ['quiet', 'progress']);
    if (args.positionals.length !== 1) throw new UsageError('queue submit needs one job spec (job.json)');
    let spec: import('../queue').QueueJobSpec;
    try {
      spec = JSON.parse(fs.readFileSync(args.positionals[0], 'utf8'));
    } catch (error) {
      throw new UsageError(`queue submit: cannot read the job spec ${args.positionals[0]}: ${(error as Error).message}`);
    }
    const quiet = args.switches.has('quiet');
    const job = await queue.submitJob(spec, {
      connection: redisOption(args),
      queueName: args.values.get('queue'),
      onProgress: quiet ? undefined : (e) => process.stderr.write(`covlasso queue: ${e.step} ${e.percent.toFixed(0)}%\n`),
    });
    try {
      const result = await job.finished();
      process.stdout.write(`${JSON.stringify({ id: job.id, existing: job.existing, ...result })}\n`);
    } finally {
      await job.close();
    }
    return;
  }
  if (action === 'worker') {
    const args = parseArgs(rest, ['redis', 'queue', 'concurrency', 'threads', 'lock-duration', 'stalled-interval'], ['quiet']);
    const quiet = args.switches.has('quiet');
    const connection = redisOption(args);
    const queueName = args.values.get('queue');
    const worker = await queue.startWorker({
      connection,
      queueName,
      concurrency: numberOption(args, 'concurrency', positiveInteger),
      threads: numberOption(args, 'threads', positiveInteger),
      lockDuration: numberOption(args, 'lock-duration', positiveInteger),
      stalledInterval: numberOption(args, 'stalled-interval', positiveInteger),
      onEvent: quiet ? undefined : (e) => process.stderr.write(`covlasso queue worker: ${e.type} ${e.id}${e.error ? `: ${e.error.message}` : ''}\n`),
    });
    if (!quiet) process.stderr.write(`covlasso queue worker: ready (queue ${queueName ?? 'covlasso'} on ${connection.host}:${connection.port}, pid ${process.pid})\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await worker.close();
    return;
  }
  throw new UsageError(`queue expects 'submit <job.json>' or 'worker', got '${action ?? ''}'`);
}

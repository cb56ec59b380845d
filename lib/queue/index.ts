/**
 * covlasso/queue: a whole dependency job on a BullMQ queue over Redis, run by any number of
 * worker processes sharing a file system. {@link submitJob} enqueues the job as one flow
 * (covariance shards over row ranges → their merge → target shards → the final merge);
 * {@link startWorker} runs its steps. Every step writes its output atomically and skips work
 * whose output already exists and verifies, so a step retried after a crash (BullMQ's stalled-
 * job recovery hands a killed worker's step to another) or a rerun of a finished job changes
 * nothing. Loads `bullmq` (an optional peer dependency) on first use; `covlasso` itself never
 * does.
 * @example
 * import { submitJob, startWorker } from 'covlasso/queue';
 * const connection = { host: '127.0.0.1', port: 6379 };
 * const worker = await startWorker({ connection });                 // in each worker process
 * const job = await submitJob({ id: 'imagenet-r0.1', logits: '/shared/logits.npy', workDir: '/shared/job',
 *   covShards: 64, targetShards: 32, lambdaRatio: 0.1 }, { connection });
 * const result = await job.finished();                               // { out: '/shared/job/deps.json', ... }
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Job } from 'bullmq';
import { logitsShape } from '../covariance/stream';
import type { DependencyReport } from '../dependencies/types';
import { covarianceShard, mergeCovarianceShards } from '../distributed/covariance';
import { mergeDependencyShards } from '../distributed/merge';
import { checkShard } from '../distributed/shard';
import { writeJsonAtomically } from '../distributed/files';
import { dependencyShard, DependencyShardOptions } from '../distributed/targets';
import { readNpyHeader } from '../npy/io';
import { CovlassoRangeError } from '../runtime/errors';
import { loadBullmq } from './bullmq';

export { loadBullmq } from './bullmq';

/** The Redis server: ioredis connection options (host, port, password, db, tls, …). */
export interface RedisConnection {
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  db?: number;
  [option: string]: unknown;
}

/** Where the queue lives: the Redis connection and the queue's name (default `'covlasso'`). */
export interface QueueOptions {
  connection: RedisConnection;
  /** BullMQ queue name (default `'covlasso'`); submitters and workers must agree. */
  queueName?: string;
  /** BullMQ key prefix (default bullmq's `'bull'`). */
  prefix?: string;
}

/**
 * A whole dependency job: the logits file (on a file system every worker sees), how to shard it,
 * and the options of `covlasso deps`. Files go to `workDir`: the spec itself `job-<id>.json` (the
 * queue's steps carry only its path), `cov-<k>-of-<n>.cov` (+ `.json` record), `state.cov`,
 * `deps-<k>-of-<m>.json`, and the report `out` (default `workDir/deps.json`).
 */
export interface QueueJobSpec extends Pick<DependencyShardOptions, 'lambda' | 'lambdaRatio' | 'tol' | 'maxIter' | 'center' | 'ddof' | 'path'> {
  /** The job's name: its BullMQ job ids derive from it (letters, digits, `._-`); submitting an id again is a no-op. */
  id: string;
  /** A 2-d float32/float64 `.npy` of logits. */
  logits: string;
  /** Shared directory for the shards' files (created by the submitter). */
  workDir: string;
  /** The merged report (default `workDir/deps.json`): the JSON `covlasso deps --out` writes (format "covlasso-deps"). */
  out?: string;
  /** Rows `[begin, end)` of the logits to fit on (default: all). */
  rows?: [number, number];
  /** Covariance shards: the rows are split evenly into this many `.cov` states. */
  covShards: number;
  /** Target shards: the targets are split evenly into this many partial results. */
  targetShards: number;
  /** Targets (default: every category). */
  targets?: number[];
  /** Class names, carried into the report. */
  names?: string[];
  /** Products of the covariance (default `'float64'`, as `covlasso deps`). */
  productPrecision?: 'float32' | 'float64';
  /** Rows per chunk of the covariance shards' streams. */
  chunkRows?: number;
  /** Memory bound of each covariance shard's stream (bytes, or `'1g'`). */
  maxMemory?: number | string;
  /** Accept unconverged targets in the final merge (as `deps` does, with a warning). */
  allowUnconverged?: boolean;
  /** Attempts per step before the job fails (default 3; a stalled step is retried besides). */
  attempts?: number;
}

/** What a finished job returns. */
export interface QueueJobResult {
  /** The report file. */
  out: string;
  categories: number;
  samples: number;
  targets: number;
}

/** Options of {@link submitJob}. */
export interface SubmitOptions extends QueueOptions {
  /**
   * Progress of the job's steps as their workers report it (`step` is the BullMQ job id, e.g.
   * `<id>-deps-shard-3`; `percent` 0..100), until {@link SubmittedJob.close}.
   */
  onProgress?: (event: { step: string; percent: number }) => void;
}

/** A submitted job. */
export interface SubmittedJob {
  /** The spec's id. */
  id: string;
  /** The BullMQ id of the flow's root (the final merge). */
  rootJobId: string;
  /** Whether the job was already in the queue (a resubmission: nothing was added). */
  existing: boolean;
  /** Resolves with the job's result once the final merge is done; rejects when a step fails for good. */
  finished(): Promise<QueueJobResult>;
  /** Closes this submitter's Redis connections. */
  close(): Promise<void>;
}

/** BullMQ job ids of a job's steps. */
const jobIds = (id: string) => ({
  root: `${id}-deps-merge`,
  covMerge: `${id}-cov-merge`,
  covShard: (k: number) => `${id}-cov-shard-${k}`,
  depsShard: (k: number) => `${id}-deps-shard-${k}`,
});

/** The files of a job in its work directory. */
export function jobFiles(spec: QueueJobSpec): { spec: string; covShard(k: number): string; state: string; part(k: number): string; out: string } {
  const dir = spec.workDir;
  return {
    spec: path.join(dir, `job-${spec.id}.json`),
    covShard: (k) => path.join(dir, `cov-${k}-of-${spec.covShards}.cov`),
    state: path.join(dir, 'state.cov'),
    part: (k) => path.join(dir, `deps-${k}-of-${spec.targetShards}.json`),
    out: spec.out ?? path.join(dir, 'deps.json'),
  };
}

/** Checks a spec and makes its paths absolute. */
async function checkSpec(spec: QueueJobSpec): Promise<QueueJobSpec> {
  if (spec === null || typeof spec !== 'object') throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', 'submitJob() needs a job spec');
  if (typeof spec.id !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(spec.id)) {
    throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `job id must be 1-100 letters, digits, '.', '_' or '-', got ${JSON.stringify(spec.id)}`);
  }
  for (const key of ['logits', 'workDir'] as const) {
    if (typeof spec[key] !== 'string' || spec[key] === '') throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `job spec needs ${key}`);
  }
  checkShard({ k: 0, n: spec.covShards }, 'covShards');
  checkShard({ k: 0, n: spec.targetShards }, 'targetShards');
  const logits = path.resolve(spec.logits);
  const [rows] = logitsShape(logits, await readNpyHeader(logits));
  const [a, b] = spec.rows ?? [0, rows];
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a < 0 || b > rows || b - a < spec.covShards) {
    throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `rows [${a}, ${b}) of ${logits} cannot be split into ${spec.covShards} non-empty covariance shards`);
  }
  const workDir = path.resolve(spec.workDir);
  return { ...spec, logits, workDir, out: path.resolve(spec.out ?? path.join(workDir, 'deps.json')) };
}

/**
 * Enqueues a whole job as one BullMQ flow: the final merge (root) ← the covariance merge ←
 * `covShards` covariance shards. When the covariance merge is done, the root adds the
 * `targetShards` target shards as its children and waits for them (BullMQ's
 * `moveToWaitingChildren`), then merges them into `out`. Job ids derive from `spec.id`: a job
 * already in the queue is not added again (and a finished one resolves at once).
 * @throws CovlassoRangeError (`ERR_COVLASSO_INVALID_ARGUMENT`) / ShardError for a bad spec;
 *   OptionalDependencyError (`ERR_COVLASSO_OPTIONAL_DEPENDENCY`) without bullmq
 */
export async function submitJob(spec: QueueJobSpec, options: SubmitOptions): Promise<SubmittedJob> {
  const bull = loadBullmq();
  const checked = await checkSpec(spec);
  const queueName = options.queueName ?? 'covlasso';
  const common = { connection: options.connection, ...(options.prefix === undefined ? {} : { prefix: options.prefix }) };
  await fs.promises.mkdir(checked.workDir, { recursive: true });
  // The spec (names and target lists can be large) lives once on the shared file system; the steps carry its path.
  const specFile = jobFiles(checked).spec;
  const previous = await fs.promises.readFile(specFile, 'utf8').catch(() => undefined);
  if (previous !== undefined && previous !== JSON.stringify(checked)) {
    throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `job id '${checked.id}' already names another spec (${specFile}): choose a new id`);
  }
  await writeJsonAtomically(specFile, checked, true);
  const queue = new bull.Queue(queueName, common);
  const events = new bull.QueueEvents(queueName, common);
  const ids = jobIds(checked.id);
  try {
    const onProgress = options.onProgress;
    if (onProgress) {
      events.on('progress', ({ jobId, data }) => {
        if (jobId.startsWith(`${checked.id}-`) && typeof data === 'number') onProgress({ step: jobId, percent: data });
      });
    }
    await events.waitUntilReady();
    const existing = (await queue.getJob(ids.root)) !== undefined;
    if (!existing) {
      const flow = new bull.FlowProducer(common);
      try {
        const opts = (jobId: string) => ({ jobId, attempts: checked.attempts ?? 3, failParentOnFailure: true });
        await flow.add({
          name: 'deps-merge',
          queueName,
          data: { spec: specFile, step: 'fanout' },
          opts: { jobId: ids.root, attempts: checked.attempts ?? 3 },
          children: [{
            name: 'cov-merge',
            queueName,
            data: { spec: specFile },
            opts: opts(ids.covMerge),
            children: Array.from({ length: checked.covShards }, (_, k) => ({ name: 'cov-shard', queueName, data: { spec: specFile, k }, opts: opts(ids.covShard(k)) })),
          }],
        });
      } finally {
        await flow.close();
      }
    }
    return {
      id: checked.id,
      rootJobId: ids.root,
      existing,
      finished: async () => {
        const job = await queue.getJob(ids.root);
        if (!job) throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `job ${ids.root} is no longer in the queue`);
        return (await job.waitUntilFinished(events)) as QueueJobResult;
      },
      close: async () => {
        await events.close();
        await queue.close();
      },
    };
  } catch (error) {
    await events.close();
    await queue.close();
    throw error;
  }
}

/** Options of {@link startWorker}. */
export interface WorkerOptions extends QueueOptions {
  /** Steps run at once by this process (default 1; each native call uses `threads`). */
  concurrency?: number;
  /** Threads of each native call (default: covlasso's, `COVLASSO_THREADS` or all cores). */
  threads?: number;
  /** BullMQ lock duration in ms (default 30000): a killed worker's step is retried after about this long. */
  lockDuration?: number;
  /** BullMQ stalled-job check interval in ms (default 30000). */
  stalledInterval?: number;
  /** Times a step may stall (its worker die) before it fails (default 1, BullMQ's). */
  maxStalledCount?: number;
  /** Called as each step starts, done or fails: for logs. */
  onEvent?: (event: { type: 'active' | 'completed' | 'failed'; id: string; name: string; error?: Error }) => void;
  /** Awaited before each step runs (instrumentation, e.g. tests pausing a worker mid-job). */
  beforeProcess?: (job: { id: string; name: string }) => unknown;
}

/** A running worker. */
export interface QueueWorker {
  /** Stops taking steps, waits for the running ones and closes the connections. */
  close(): Promise<void>;
}

interface StepData {
  /** The job spec's file (`workDir/job-<id>.json`, written by the submitter). */
  spec: string;
  k?: number;
  step?: 'fanout' | 'merge';
}

/**
 * Starts a BullMQ worker in this process that runs the steps of covlasso jobs (see
 * {@link submitJob}). Native calls are asynchronous, so BullMQ keeps renewing the step's lock
 * while they run; progress goes to `job.updateProgress` (percent). Each step skips work whose
 * output exists and verifies (`reuse`), so a retried or rerun step writes nothing new.
 * @throws OptionalDependencyError (`ERR_COVLASSO_OPTIONAL_DEPENDENCY`) without bullmq
 */
export async function startWorker(options: WorkerOptions): Promise<QueueWorker> {
  const bull = loadBullmq();
  const queueName = options.queueName ?? 'covlasso';
  // Workers block on Redis: ioredis must retry their commands for ever (bullmq's requirement).
  const common = { connection: { maxRetriesPerRequest: null, ...options.connection }, ...(options.prefix === undefined ? {} : { prefix: options.prefix }) };
  const queue = new bull.Queue(queueName, common);
  const { threads } = options;

  const processor = async (job: Job<StepData>, token?: string): Promise<unknown> => {
    await options.beforeProcess?.({ id: job.id!, name: job.name });
    const spec = JSON.parse(await fs.promises.readFile(job.data.spec, 'utf8')) as QueueJobSpec;
    const files = jobFiles(spec);
    const onProgress = (f: number): void => {
      job.updateProgress(Math.round(1000 * f) / 10).catch(() => undefined);
    };
    switch (job.name) {
      case 'cov-shard': {
        const k = job.data.k!;
        const { chunkRows, maxMemory, productPrecision, rows } = spec;
        const info = await covarianceShard(spec.logits, { shard: { k, n: spec.covShards }, rows, out: files.covShard(k), reuse: true, chunkRows, maxMemory, productPrecision, threads, onProgress });
        return { file: info.file, rows: info.rows };
      }
      case 'cov-merge': {
        const [total] = logitsShape(spec.logits, await readNpyHeader(spec.logits));
        const [a, b] = spec.rows ?? [0, total];
        const shardFiles = Array.from({ length: spec.covShards }, (_, k) => files.covShard(k));
        const acc = await mergeCovarianceShards(shardFiles, { out: files.state, count: b - a, reuse: true });
        return { file: files.state, count: acc.count };
      }
      case 'deps-shard': {
        const k = job.data.k!;
        const { lambda, lambdaRatio, tol, maxIter, center, ddof, path: lambdaPath, targets, names } = spec;
        const partial = await dependencyShard(
          { state: files.state },
          { shard: { k, n: spec.targetShards }, targets, lambda, lambdaRatio, tol, maxIter, center, ddof, path: lambdaPath, names, out: files.part(k), reuse: true, threads, onProgress },
        );
        return { file: files.part(k), targets: partial.report.targets.length };
      }
      case 'deps-merge': {
        if (job.data.step !== 'merge') {
          const ids = jobIds(spec.id);
          const parent = { id: job.id!, queue: job.queueQualifiedName };
          for (let k = 0; k < spec.targetShards; k++) {
            await queue.add('deps-shard', { spec: job.data.spec, k }, { jobId: ids.depsShard(k), attempts: spec.attempts ?? 3, failParentOnFailure: true, parent });
          }
          await job.updateData({ ...job.data, step: 'merge' });
        }
        if (await job.moveToWaitingChildren(token!)) throw new bull.WaitingChildrenError();
        const parts = Array.from({ length: spec.targetShards }, (_, k) => files.part(k));
        const report: DependencyReport = await mergeDependencyShards(parts, { out: files.out, allowUnconverged: spec.allowUnconverged, reuse: true });
        onProgress(1);
        return { out: files.out, categories: report.categories, samples: report.samples, targets: report.targets.length } satisfies QueueJobResult;
      }
      default:
        throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `unknown covlasso queue step '${job.name}'`);
    }
  };

  // Only the timings given: bullmq's defaults stand for the others (an undefined would override them).
  const timings = Object.fromEntries((['lockDuration', 'stalledInterval', 'maxStalledCount'] as const).filter((key) => options[key] !== undefined).map((key) => [key, options[key]]));
  const worker = new bull.Worker<StepData>(queueName, processor, { ...common, concurrency: options.concurrency ?? 1, ...timings });
  const onEvent = options.onEvent;
  if (onEvent) {
    worker.on('active', (job) => onEvent({ type: 'active', id: job.id!, name: job.name }));
    worker.on('completed', (job) => onEvent({ type: 'completed', id: job.id!, name: job.name }));
    worker.on('failed', (job, error) => onEvent({ type: 'failed', id: job?.id ?? '?', name: job?.name ?? '?', error }));
  }
  worker.on('error', () => undefined); // connection errors are retried by bullmq; never crash the process on them
  await worker.waitUntilReady();
  return {
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
}

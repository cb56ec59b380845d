/**
 * covlasso/queue end to end on a real Redis (issue #15): a redis-server on a free loopback port
 * (no persistence), 3 worker processes on the compiled build (test/support/queue-worker.js), a
 * job through the whole flow giving exactly the single-process report; a rerun that changes no
 * file; a worker SIGKILLed mid-step whose step another worker finishes, with the same report.
 * Skipped, visibly, when redis-server is not installed (.ci/run installs it). Also: without
 * bullmq the entry throws ERR_COVLASSO_OPTIONAL_DEPENDENCY.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { covarianceShard, findDependencies, findDependenciesFromNpy, mergeCovarianceShards, writeNpySync } from '../lib';
import { jobFiles, QueueJobSpec, submitJob } from '../lib/queue';
import { randomLogits } from './support/reference-lasso';
import { CHILD_PROCESS_TEST_TIMEOUT, compiledEntry, repoRoot, stamped } from './support/helpers';

jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

describe('covlasso/queue without bullmq', () => {
  it('throws ERR_COVLASSO_OPTIONAL_DEPENDENCY saying to install it', () => {
    jest.isolateModules(() => {
      jest.doMock('bullmq', () => {
        const e = new Error("Cannot find module 'bullmq'") as NodeJS.ErrnoException;
        e.code = 'MODULE_NOT_FOUND';
        throw e;
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { loadBullmq } = require('../lib/queue/bullmq') as typeof import('../lib/queue/bullmq');
      let error: { code?: string; message?: string } | undefined;
      try {
        loadBullmq();
      } catch (e) {
        error = e as { code?: string; message?: string };
      }
      expect(error?.code).toBe('ERR_COVLASSO_OPTIONAL_DEPENDENCY');
      expect(error?.message).toMatch(/npm install bullmq/);
    });
    jest.dontMock('bullmq');
  });
});

describe('submitJob: bad specs are typed before anything is queued', () => {
  it('names, shard counts and rows', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-queue-spec-'));
    try {
      const logits = path.join(dir, 'l.npy');
      writeNpySync(logits, { shape: [10, 3], data: new Float32Array(30) });
      const base: QueueJobSpec = { id: 'x', logits, workDir: dir, covShards: 2, targetShards: 2 };
      const codeOf = async (s: QueueJobSpec): Promise<string | undefined> => {
        try {
          await submitJob(s, { connection: { host: '127.0.0.1', port: 1 } });
        } catch (e) {
          return (e as { code?: string }).code;
        }
        return undefined;
      };
      expect(await codeOf({ ...base, id: 'a:b' })).toBe('ERR_COVLASSO_INVALID_ARGUMENT');
      expect(await codeOf({ ...base, covShards: 0 })).toBe('ERR_COVLASSO_SHARD');
      expect(await codeOf({ ...base, targetShards: 1.5 })).toBe('ERR_COVLASSO_SHARD');
      expect(await codeOf({ ...base, covShards: 11 })).toBe('ERR_COVLASSO_INVALID_ARGUMENT');
      expect(await codeOf({ ...base, rows: [5, 20] })).toBe('ERR_COVLASSO_INVALID_ARGUMENT');
      expect(await codeOf({ ...base, logits: path.join(dir, 'absent.npy') })).toBeDefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

const hasRedis = !spawnSync('redis-server', ['--version']).error;
// eslint-disable-next-line no-console
if (!hasRedis) console.warn('queue end-to-end tests skipped: redis-server is not installed (apt-get install redis-server; .ci/run does)');
const suite = hasRedis ? describe : describe.skip;

/** A child process and everything it printed. */
interface Child {
  proc: ChildProcess;
  out: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const proc = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const child: Child = { proc, out: '' };
  proc.stdout!.on('data', (d) => (child.out += String(d)));
  proc.stderr!.on('data', (d) => (child.out += String(d)));
  return child;
}

/** Resolves once the child has printed a line matching `pattern` (rejects if it exits first). */
function waitFor(child: Child, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const m = child.out.match(pattern);
      if (m) resolve(m);
      return m !== null;
    };
    if (check()) return;
    // Both streams: the API worker (support/queue-worker.js) prints on stdout, the CLI's on stderr.
    const onData = (): void => {
      if (!check()) return;
      child.proc.stdout!.off('data', onData);
      child.proc.stderr!.off('data', onData);
    };
    child.proc.stdout!.on('data', onData);
    child.proc.stderr!.on('data', onData);
    child.proc.once('exit', (code) => check() || reject(new Error(`process exited (${code}) before printing ${pattern}:\n${child.out}`)));
  });
}

async function redisReady(port: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('error', () => resolve(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (d) => {
        socket.destroy();
        resolve(String(d).startsWith('+PONG'));
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every file of a directory with its bytes and modification time. */
function snapshot(dir: string): Record<string, { mtimeMs: number; bytes: string }> {
  const out: Record<string, { mtimeMs: number; bytes: string }> = {};
  for (const f of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, f);
    out[f] = { mtimeMs: fs.statSync(full).mtimeMs, bytes: fs.readFileSync(full).toString('base64') };
  }
  return out;
}

suite('covlasso/queue on a real Redis with worker processes', () => {
  const N = 9000;
  const C = 30;
  let dir: string;
  let logits: string;
  let port: number;
  let redis: Child;
  const workers: Child[] = [];
  const connection = (): { host: string; port: number } => ({ host: '127.0.0.1', port });
  const startWorkers = (count: number, queueName: string, env: NodeJS.ProcessEnv = {}): Child[] => {
    const started = Array.from({ length: count }, () => start(process.execPath, [path.join(repoRoot, 'test', 'support', 'queue-worker.js')], { REDIS_PORT: String(port), QUEUE_NAME: queueName, ...env }));
    workers.push(...started);
    return started;
  };
  const spec = (id: string, extra: Partial<QueueJobSpec> = {}): QueueJobSpec => ({
    id, logits, workDir: path.join(dir, id), covShards: 3, targetShards: 5, lambdaRatio: 0.05, center: true, ...extra,
  });
  const progress: Array<{ step: string; percent: number }> = [];
  const run = async (s: QueueJobSpec, queueName: string): Promise<{ existing: boolean }> => {
    const job = await submitJob(s, { connection: connection(), queueName, onProgress: (p) => progress.push(p) });
    try {
      await job.finished();
      return { existing: job.existing };
    } finally {
      await job.close();
    }
  };

  beforeAll(async () => {
    compiledEntry('cjs'); // the workers run dist/: fail early, with the reason, when it is not built
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-queue-'));
    logits = path.join(dir, 'logits.npy');
    writeNpySync(logits, { shape: [N, C], data: randomLogits(N, C, 21, { rank: 12, offset: 0.3, float32: true }) });
    port = await freePort();
    redis = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    await redisReady(port);
  });

  afterAll(async () => {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    if (redis && redis.proc.exitCode === null) redis.proc.kill('SIGKILL');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('3 workers run a whole job to exactly the single-process report', async () => {
    const ready = startWorkers(3, 'main');
    await Promise.all(ready.map((w) => waitFor(w, /^ready$/m)));
    const s = spec('a');
    await run(s, 'main');
    // the single process on the same row shards: merged state, then findDependencies
    const ref = path.join(dir, 'ref');
    fs.mkdirSync(ref);
    const shards: string[] = [];
    for (let k = 0; k < 3; k++) {
      shards.push(path.join(ref, `${k}.cov`));
      await covarianceShard(logits, { shard: { k, n: 3 }, out: shards[k] });
    }
    const want = JSON.stringify(await findDependencies(await mergeCovarianceShards(shards), { lambdaRatio: 0.05, center: true }));
    expect(fs.readFileSync(jobFiles(s).out, 'utf8')).toBe(stamped(want));
    // progress came back from the workers' steps, the final merge's last
    expect(progress.some((p) => p.step === 'a-deps-merge' && p.percent === 100)).toBe(true);
    expect(progress.every((p) => p.step.startsWith('a-') && p.percent >= 0 && p.percent <= 100)).toBe(true);
    // the steps were spread over the processes
    const busy = ready.filter((w) => /completed /.test(w.out)).length;
    expect(busy).toBeGreaterThanOrEqual(2);
  });

  it('a rerun of a finished job is a no-op, in the queue and on disk', async () => {
    const s = spec('a');
    const before = snapshot(s.workDir);
    expect(await run(s, 'main')).toEqual({ existing: true });
    expect(snapshot(s.workDir)).toEqual(before);
    // the same id with another spec is refused (its steps read the spec file)
    await expect(submitJob({ ...s, lambdaRatio: 0.2 }, { connection: connection(), queueName: 'main' })).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
    // the same job under another id runs every step again: each finds its output verified and writes nothing
    expect(await run({ ...s, id: 'a-again' }, 'main')).toEqual({ existing: false });
    expect(workers.some((w) => /^completed deps-merge a-again-deps-merge$/m.test(w.out))).toBe(true);
    const after = snapshot(s.workDir);
    expect(Object.keys(after).filter((f) => !(f in before))).toEqual(['job-a-again.json']); // its spec, nothing else
    delete after['job-a-again.json'];
    expect(after).toEqual(before);
  });

  it('the CLI: `covlasso queue worker` processes and `covlasso queue submit` write the `covlasso deps` file', async () => {
    const cli = path.join(repoRoot, 'dist', 'cjs', 'cli', 'main.js');
    const redisFlag = ['--redis', `127.0.0.1:${port}`, '--queue', 'cli'];
    const cliWorkers = [0, 1].map(() => start(process.execPath, [cli, 'queue', 'worker', ...redisFlag, '-j', '1', '--lock-duration', '8000', '--stalled-interval', '2000']));
    workers.push(...cliWorkers);
    await Promise.all(cliWorkers.map((w) => waitFor(w, /^covlasso queue worker: ready \(queue cli on 127\.0\.0\.1:\d+, pid \d+\)$/m)));
    const jobFile = path.join(dir, 'cli-job.json');
    const s = spec('cli', { covShards: 1, targetShards: 3 });
    fs.writeFileSync(jobFile, JSON.stringify(s));
    const submit = async (): Promise<Record<string, unknown>> => {
      const child = start(process.execPath, [cli, 'queue', 'submit', jobFile, ...redisFlag, '--quiet']);
      const code = await new Promise<number | null>((resolve) => child.proc.once('exit', resolve));
      expect({ code, out: code === 0 ? '' : child.out }).toEqual({ code: 0, out: '' });
      return JSON.parse(child.out) as Record<string, unknown>;
    };
    const first = await submit();
    expect(first).toMatchObject({ id: 'cli', existing: false, out: jobFiles(s).out, categories: C, samples: N, targets: C });
    // one covariance shard: byte for byte what the single-process `covlasso deps --out` writes
    const ref = path.join(dir, 'cli-ref.json');
    const single = spawnSync(process.execPath, [cli, 'deps', logits, '--lambda-ratio', '0.05', '--center', '--out', ref, '--quiet'], { encoding: 'utf8' });
    expect(single.status).toBe(0);
    expect(fs.readFileSync(jobFiles(s).out, 'utf8')).toBe(fs.readFileSync(ref, 'utf8'));
    expect(cliWorkers.some((w) => /^covlasso queue worker: completed cli-deps-merge$/m.test(w.out))).toBe(true);
    expect(await submit()).toMatchObject({ id: 'cli', existing: true, out: jobFiles(s).out });
    // SIGTERM: each worker closes and exits 0
    const exits = cliWorkers.map((w) => new Promise<number | null>((resolve) => w.proc.once('exit', resolve)));
    for (const w of cliWorkers) w.proc.kill('SIGTERM');
    expect(await Promise.all(exits)).toEqual([0, 0]);
  });

  const CJK = path.resolve(repoRoot, '../shared/data/cjk1000/logits.npy');
  (fs.existsSync(CJK) ? it : it.skip)('cjk1000 (rows 0..7999, 30 targets): the queue gives the single-process report byte for byte', async () => {
    const targets = Array.from({ length: 30 }, (_, i) => (i * 337) % 1000);
    const s: QueueJobSpec = { id: 'cjk', logits: CJK, rows: [0, 8000], workDir: path.join(dir, 'cjk'), covShards: 2, targetShards: 3, targets, lambdaRatio: 0.1 };
    await run(s, 'main');
    const shards = [0, 1].map((k) => path.join(dir, `cjk-ref-${k}.cov`));
    for (let k = 0; k < 2; k++) await covarianceShard(CJK, { rows: [0, 8000], shard: { k, n: 2 }, out: shards[k] });
    const want = JSON.stringify(await findDependencies(await mergeCovarianceShards(shards), { lambdaRatio: 0.1, targets }));
    expect(fs.readFileSync(jobFiles(s).out, 'utf8')).toBe(stamped(want));
  });

  it('a worker SIGKILLed mid-step loses nothing: another worker retries the step, the report is identical', async () => {
    const queueName = 'kill';
    // alone, the victim runs the covariance steps and the fan-out, then pauses in its first target shard
    const [victim] = startWorkers(1, queueName, { PAUSE_ON: 'deps-shard' });
    await waitFor(victim, /^ready$/m);
    const s = spec('k', { covShards: 1, targetShards: 4 });
    const job = await submitJob(s, { connection: connection(), queueName });
    try {
      const [, pausedName, pausedId] = await waitFor(victim, /^paused (\S+) (\S+)$/m);
      expect(pausedName).toBe('deps-shard');
      const rescuers = startWorkers(2, queueName);
      await Promise.all(rescuers.map((w) => waitFor(w, /^ready$/m)));
      victim.proc.kill('SIGKILL');
      await job.finished();
      expect(rescuers.some((w) => new RegExp(`^completed \\S+ ${pausedId}$`, 'm').test(w.out))).toBe(true);
    } finally {
      await job.close();
    }
    // one covariance shard: exactly what `covlasso deps` (findDependenciesFromNpy) writes in one process
    const want = JSON.stringify(await findDependenciesFromNpy(logits, { lambdaRatio: 0.05, center: true }));
    expect(fs.readFileSync(jobFiles(s).out, 'utf8')).toBe(stamped(want));
    expect(fs.readdirSync(s.workDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

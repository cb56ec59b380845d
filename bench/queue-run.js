#!/usr/bin/env node
/**
 * Issue #15's done-when run: whole dependency jobs through `covlasso queue` (the CLI, as a user
 * runs it) with 3 worker processes on a real Redis (redis-server on a free loopback port, no
 * persistence), against the single-process result:
 *   1. ../shared/data/cjk1000 (rows 0..7999, all 1000 targets; 4 covariance shards, 6 target shards);
 *   2. a generated ~4 GB float32 logits file (1,000,000 × 1000, bench/big-logits.js; 8 covariance
 *      shards, 4 target shards), run twice: undisturbed, and with one worker SIGKILLed one second
 *      into a covariance shard (inside its stream of native updates); BullMQ's stalled-job check
 *      hands the step to another worker.
 * Each queue report must be byte for byte the single-process report on the same row shards
 * (covarianceShard + mergeCovarianceShards + findDependencies, stamped as `covlasso deps --out`
 * writes it), and the killed run byte for byte the undisturbed one. Also prints how far the
 * sharded covariance's report is from the unsharded one (`covlasso deps` in one process: the
 * float64 sums associate differently, so objectives agree to rounding, not bitwise).
 *
 *   node bench/queue-run.js [--rows 1000000] [--cols 1000] [--dir /tmp] [--keep] [--skip-big]
 * Needs redis-server and the optional packages bullmq + ioredis (npm ci installs them as dev
 * dependencies), and a build (dist/).
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { writeBigLogits } = require('./big-logits');

const root = path.resolve(__dirname, '..');
const covlasso = require(path.join(root, 'dist', 'cjs'));
const cli = path.join(root, 'dist', 'cjs', 'cli', 'main.js');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const BIG_ROWS = Number(arg('rows', 1_000_000));
const BIG_COLS = Number(arg('cols', 1000));
const dir = fs.mkdtempSync(path.join(arg('dir', os.tmpdir()), 'covlasso-queue-run-'));
const CJK = path.resolve(root, '..', 'shared', 'data', 'cjk1000', 'logits.npy');
const seconds = (t0) => Number(((Date.now() - t0) / 1000).toFixed(1));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A child process whose stdout and stderr are collected in `out`. */
function start(args, label) {
  const proc = spawn(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const child = { proc, out: '', label };
  const take = (d) => (child.out += String(d));
  proc.stdout.on('data', take);
  proc.stderr.on('data', take);
  return child;
}

function waitFor(child, pattern) {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const m = child.out.match(pattern);
      if (m) {
        clearInterval(timer);
        resolve(m);
      } else if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
        clearInterval(timer);
        reject(new Error(`${child.label} exited before ${pattern}:\n${child.out}`));
      }
    }, 20);
  });
}

async function redisReady(port) {
  while (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() !== 'PONG') {
    await new Promise((r) => setTimeout(r, 100));
  }
}

const exited = (child) => new Promise((resolve) => (child.proc.exitCode !== null ? resolve(child.proc.exitCode) : child.proc.once('exit', resolve)));

/** `covlasso queue submit` of a spec; resolves with its printed result. */
async function submit(spec, redis) {
  const file = path.join(dir, `job-${spec.id}.json`);
  fs.writeFileSync(file, JSON.stringify(spec));
  const child = start([process.execPath, cli, 'queue', 'submit', file, ...redis, '--quiet'], `submit ${spec.id}`);
  const code = await exited(child);
  if (code !== 0) throw new Error(`queue submit ${spec.id} failed (${code}):\n${child.out}`);
  return JSON.parse(child.out);
}

/** The single-process report on the same row shards, as `covlasso deps --out` writes it. */
async function reference(spec) {
  const shards = [];
  for (let k = 0; k < spec.covShards; k++) {
    const out = path.join(dir, `ref-${spec.id}-${k}.cov`);
    await covlasso.covarianceShard(spec.logits, { rows: spec.rows, shard: { k, n: spec.covShards }, out });
    shards.push(out);
  }
  const report = await covlasso.findDependencies(await covlasso.mergeCovarianceShards(shards), { lambdaRatio: spec.lambdaRatio, center: spec.center });
  for (const f of shards) fs.rmSync(f);
  return JSON.stringify({ format: 'covlasso-deps', version: 1, ...report });
}

/** Unsharded `covlasso deps` in one process: the largest objective difference relative to S_tt, and sources agreeing. */
function unshardedDistance(spec, queueFile) {
  const out = path.join(dir, `single-${spec.id}.json`);
  const args = [cli, 'deps', spec.logits, '--lambda-ratio', String(spec.lambdaRatio), '--out', out, '--quiet'];
  if (spec.rows) args.push('--rows', `${spec.rows[0]}:${spec.rows[1]}`);
  if (spec.center) args.push('--center');
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`covlasso deps failed: ${r.stderr}`);
  const a = JSON.parse(fs.readFileSync(out, 'utf8')).targets;
  const b = JSON.parse(fs.readFileSync(queueFile, 'utf8')).targets;
  let worst = 0;
  let sameSources = 0;
  a.forEach((t, k) => {
    const d = t.relativeError > 0 ? t.residualVariance / t.relativeError : Math.abs(t.objective) || 1; // S_tt
    worst = Math.max(worst, Math.abs(t.objective - b[k].objective) / d);
    sameSources += JSON.stringify(t.sources) === JSON.stringify(b[k].sources) ? 1 : 0;
  });
  return { targets: a.length, sameSources, worstObjectiveDifference: worst };
}

async function main() {
  const port = await freePort();
  const redisServer = start(['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], 'redis-server');
  await redisReady(port);
  const redis = ['--redis', `127.0.0.1:${port}`, '--queue', 'run'];
  const workerArgs = [process.execPath, cli, 'queue', 'worker', ...redis, '-j', '1', '--lock-duration', '10000', '--stalled-interval', '3000'];
  const workers = [];
  const startWorker = () => {
    const w = start(workerArgs, `worker ${workers.length}`);
    workers.push(w);
    return waitFor(w, /ready \(queue run on [^)]*pid (\d+)\)/).then(() => w);
  };
  const results = { cpu: os.cpus()[0].model, cores: os.cpus().length, date: new Date().toISOString(), jobs: [] };
  try {
    await Promise.all([startWorker(), startWorker(), startWorker()]);
    if (fs.existsSync(CJK)) {
      const spec = { id: 'cjk', logits: CJK, rows: [0, 8000], workDir: path.join(dir, 'cjk'), covShards: 4, targetShards: 6, lambdaRatio: 0.1 };
      const t0 = Date.now();
      const got = await submit(spec, redis);
      const queueSeconds = seconds(t0);
      const same = fs.readFileSync(got.out, 'utf8') === (await reference(spec));
      results.jobs.push({ job: 'cjk1000 rows 0..7999, all targets', queueSeconds, identicalToSingleProcess: same, unsharded: unshardedDistance(spec, got.out) });
    }
    if (!process.argv.includes('--skip-big')) {
      const big = path.join(dir, 'big.npy');
      let t0 = Date.now();
      writeBigLogits(big, BIG_ROWS, BIG_COLS);
      const fileGB = fs.statSync(big).size / 1e9;
      results.bigFile = { rows: BIG_ROWS, cols: BIG_COLS, GB: Number(fileGB.toFixed(2)), writeSeconds: seconds(t0) };
      const spec = (id) => ({ id, logits: big, workDir: path.join(dir, id), covShards: 8, targetShards: 4, lambdaRatio: 0.1, center: true });
      t0 = Date.now();
      const clean = await submit(spec('big'), redis);
      const cleanSeconds = seconds(t0);
      // Again under another id, with the worker that takes the first covariance shard killed 1 s in.
      const victimFound = Promise.any(workers.map((w) => waitFor(w, /active big-killed-cov-shard-(\d+)/).then((m) => ({ w, step: `big-killed-cov-shard-${m[1]}` }))));
      t0 = Date.now();
      const killedJob = submit(spec('big-killed'), redis);
      const { w: victim, step } = await victimFound;
      await new Promise((r) => setTimeout(r, 1000));
      victim.proc.kill('SIGKILL');
      const killedAt = seconds(t0);
      const killed = await killedJob;
      const killedSeconds = seconds(t0);
      // The step the victim was running when it died (a worker of concurrency 1: its last 'active'
      // event, unless completed or failed after it), and who finished it.
      const events = (w) => [...w.out.matchAll(/worker: (active|completed|failed) (\S+)$/gm)].map((m) => ({ type: m[1], id: m[2] }));
      const mine = events(victim);
      const last = mine.map((e) => e.type).lastIndexOf('active');
      const running = last >= 0 && !mine.slice(last + 1).some((e) => e.id === mine[last].id) ? [mine[last].id] : [];
      const retriedBy = running.map((id) => ({ step: id, by: workers.filter((w) => w !== victim && events(w).some((e) => e.type === 'completed' && e.id === id)).map((w) => w.label) }));
      const cleanBytes = fs.readFileSync(clean.out, 'utf8');
      t0 = Date.now();
      const want = await reference(spec('big'));
      results.jobs.push({
        job: `${BIG_ROWS} x ${BIG_COLS} float32 (${fileGB.toFixed(2)} GB), centered, all targets`,
        queueSeconds: cleanSeconds,
        identicalToSingleProcess: cleanBytes === want,
        singleProcessSeconds: seconds(t0),
        killed: { firstStep: step, killedAfterSeconds: killedAt, queueSeconds: killedSeconds, inFlight: retriedBy, identicalToUndisturbed: fs.readFileSync(killed.out, 'utf8') === cleanBytes },
        unsharded: unshardedDistance(spec('big'), clean.out),
      });
    }
  } finally {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGTERM');
    await Promise.all(workers.filter((w) => w.proc.signalCode !== 'SIGKILL').map(exited));
    redisServer.proc.kill('SIGKILL');
    if (!process.argv.includes('--keep')) fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(results, null, 2));
  const bad = results.jobs.some((j) => !j.identicalToSingleProcess || (j.killed && (!j.killed.identicalToUndisturbed || j.killed.inFlight.length === 0 || j.killed.inFlight.some((r) => r.by.length !== 1))));
  process.exitCode = bad ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

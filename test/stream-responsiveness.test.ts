/**
 * Heavy streaming checks on a ~290 MB file (deleted afterwards): the event loop stays
 * responsive while covariances run on the worker, an abort settles the Promise within a second,
 * and a child process streaming the file under a 64 MiB bound keeps its peak RSS growth under
 * the bound plus a fixed allowance for Node itself.
 */
import { CHILD_PROCESS_TEST_TIMEOUT } from './support/helpers';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Matrix, covariance, covarianceFromNpy, covarianceSync, readNpySync } from '../lib';

// Child processes take what the machine takes: no timeout of their own, a generous per-test one.
jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

const N = 120_000;
const C = 600;
let dir = '';
let big = '';
const dist = path.resolve(__dirname, '..', 'dist', 'cjs', 'index.js');
const log = (line: string): void => {
  if (process.env.COVLASSO_TEST_VERBOSE) process.stdout.write(`${line}\n`);
};

/** Writes N×C float32 logits (a deterministic pattern plus noise) in 20 MB pieces. */
function writeBigNpy(target: string): void {
  const header = Buffer.alloc(128, ' ');
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${N}, ${C}), }`;
  Buffer.from('\x93NUMPY\x01\x00', 'latin1').copy(header);
  header.writeUInt16LE(128 - 10, 8);
  header.write(dict, 10, 'latin1');
  header[127] = 0x0a;
  const fd = fs.openSync(target, 'w');
  try {
    fs.writeSync(fd, header);
    // One random block of rows, written again and again: cheap to make, and a valid workload.
    const rowsPer = 8192;
    const buf = new Float32Array(rowsPer * C);
    let seed = 12345;
    for (let i = 0; i < buf.length; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      buf[i] = ((i % C) % 17) * 0.25 + (seed / 4294967296 - 0.5);
    }
    for (let r0 = 0; r0 < N; r0 += rowsPer) {
      fs.writeSync(fd, new Uint8Array(buf.buffer, 0, Math.min(rowsPer, N - r0) * C * 4));
    }
  } finally {
    fs.closeSync(fd);
  }
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-big-'));
  big = path.join(dir, 'big.npy');
  writeBigNpy(big);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs `work` while sampling the event loop; returns p99 / max delay and the longest timer gap (ms). */
async function watchLoop(work: () => Promise<unknown>): Promise<{ p99: number; max: number; gap: number; ms: number }> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  let last = performance.now();
  let gap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 5);
  const start = performance.now();
  h.enable();
  try {
    await work();
  } finally {
    h.disable();
    clearInterval(timer);
  }
  return { p99: h.percentile(99) / 1e6, max: h.max / 1e6, gap, ms: performance.now() - start };
}

describe('streaming stays off the main thread', () => {
  it('the event loop stays responsive during an in-memory and a streamed covariance', async () => {
    const X = readNpySync(big);
    const M = new Matrix(N, C, X.data as Float32Array);
    // Leave one core to the main thread (on a 2-core machine the OS would otherwise share
    // both between the pool, the file reads and the event loop).
    const threads = Math.max(1, os.cpus().length - 1);
    const inMemory = await watchLoop(() => covariance(M, { center: true, threads }));
    log(`in-memory ${N}x${C} float32: ${JSON.stringify(inMemory)}`);
    const streamed = await watchLoop(() => covarianceFromNpy(big, { center: true, maxMemory: '64m', threads }));
    log(`streamed: ${JSON.stringify(streamed)}`);
    for (const r of [inMemory, streamed]) {
      // The work takes far longer than these bounds (r.ms > 250 ms; ~1.4 s on 2 cores): had it
      // run on the main thread, the longest timer gap would be the whole run. On a machine
      // loaded by other jobs every delay stretches with the run, so the bounds do too (a tenth
      // and a quarter of the run), never below the quiet-machine ones.
      expect(r.ms).toBeGreaterThan(250);
      expect(r.p99).toBeLessThan(Math.max(50, r.ms / 10));
      expect(r.gap).toBeLessThan(Math.max(250, r.ms / 4));
    }
  });

  it('an abort rejects a long streamed covariance within a second', async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    const p = covarianceFromNpy(big, { signal: controller.signal, chunkRows: 8192 });
    setTimeout(() => {
      abortedAt = performance.now();
      controller.abort();
    }, 150);
    await expect(p).rejects.toMatchObject({ code: 'ERR_COVLASSO_ABORTED' });
    const latency = performance.now() - abortedAt;
    log(`abort latency ${latency.toFixed(1)} ms`);
    expect(abortedAt).toBeGreaterThan(0);
    expect(latency).toBeLessThan(1000);
  });

  it('a child streaming the file under --max-memory 64m keeps peak RSS growth under the bound', () => {
    const bound = 64 * 2 ** 20;
    const allowance = 48 * 2 ** 20; // Node's own heap and code pages touched while running
    const out = path.join(dir, 'cov.npy');
    const script = `
      const fs = require('fs');
      const c = require(${JSON.stringify(dist)});
      c.covarianceSync(new c.Matrix(2, 2, new Float64Array(4)));  // load the addon and its pool first
      const peak = () => {
        try { return 1024 * Number(/VmHWM:\\s*(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]); }
        catch { return process.resourceUsage().maxRSS * 1024; }
      };
      const base = process.memoryUsage().rss;
      c.covarianceFromNpy(process.argv[1], { maxMemory: ${bound} }).then(async (S) => {
        const growth = peak() - base;
        await c.writeNpy(process.argv[2], { shape: [S.rows, S.cols], data: S.data });
        process.stdout.write(JSON.stringify({ base, growth }));
      }).catch((e) => { console.error(e); process.exit(1); });`;
    const r = spawnSync(process.execPath, ['-e', script, big, out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const { growth } = JSON.parse(r.stdout) as { growth: number };
    log(`peak RSS growth ${(growth / 2 ** 20).toFixed(1)} MiB for a ${(fs.statSync(big).size / 2 ** 20).toFixed(0)} MiB file`);
    expect(growth).toBeLessThan(bound + allowance);
    const want = covarianceSync(new Matrix(N, C, readNpySync(big).data as Float32Array));
    const got = readNpySync(out).data as Float64Array;
    let bitwise = true;
    for (let i = 0; i < got.length; i++) if (got[i] !== want.data[i]) bitwise = false;
    expect(bitwise).toBe(true); // chunks chosen from maxMemory are multiples of 512 rows
  });
});

/**
 * Async behaviour: AbortSignal, progress, event-loop responsiveness, concurrency, worker_threads
 * and the ESM entry.
 *
 * The worker_threads and ESM tests load the COMPILED package (dist/cjs/index.js,
 * dist/esm/index.mjs) and build nothing themselves: run `npm run build:ts` before `npm test`
 * (`npm ci` does it through the `prepare` script).
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { CovarianceAccumulator, CovLassoResult, CovlassoAbortError, CovlassoError, Matrix, covLasso, covLassoPath, covariance, crossMoments } from '../lib';
import { randomLogits, secondMoment } from './support/reference-lasso';
import { compiledEntry, sameBytes } from './support/helpers';

/** Settles a promise into { value } or { error } and records when. */
async function settle<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown; at: number }> {
  try {
    const value = await p;
    return { value, at: Date.now() };
  } catch (error) {
    return { error, at: Date.now() };
  }
}

function expectAbort(error: unknown, reason?: unknown): void {
  expect(error).toBeInstanceOf(CovlassoAbortError);
  expect(error).toBeInstanceOf(CovlassoError);
  const e = error as CovlassoError;
  expect(e.code).toBe('ERR_COVLASSO_ABORTED');
  expect(e.name).toBe('AbortError');
  if (reason !== undefined) expect((e as Error & { cause?: unknown }).cause).toBe(reason);
}

/** Big float32 logits (rows x cols) filled by tiling a small random block (cheap to build). */
function bigLogits(rows: number, cols: number): Matrix {
  const data = new Float32Array(rows * cols);
  const tile = randomLogits(1000, cols, 77, { float32: true, rank: 50 });
  for (let r = 0; r < rows; r += 1000) data.set(tile.subarray(0, Math.min(1000, rows - r) * cols), r * cols);
  return new Matrix(rows, cols, data);
}

let big: Matrix; // 200000 x 800 float32: a ~1.5 s covariance on 2 cores
let hardS: Matrix; // 1500 categories, rank 101: a path on it takes minutes

beforeAll(async () => {
  big = bigLogits(200000, 800);
  hardS = await covariance(new Matrix(400, 1500, randomLogits(400, 1500, 5, { rank: 100 })));
});

describe('AbortSignal', () => {
  it('an already-aborted signal rejects every call with ERR_COVLASSO_ABORTED (name AbortError)', async () => {
    const controller = new AbortController();
    const reason = new Error('stop now');
    controller.abort(reason);
    const { signal } = controller;
    const S = new Matrix(3, 3, new Float64Array([2, 1, 0, 1, 2, 1, 0, 1, 2]));
    const X = new Matrix(4, 3, new Float64Array(12).fill(1));
    const acc = new CovarianceAccumulator(3);
    const calls: Array<Promise<unknown>> = [
      covariance(X, { signal }),
      crossMoments(X, X, { signal }),
      covLasso(S, { signal }),
      covLassoPath(S, { signal }),
      acc.update(X, { signal }),
    ];
    for (const call of calls) {
      const r = await settle(call);
      expect(r.value).toBeUndefined();
      expectAbort(r.error, reason);
    }
    expect(acc.count).toBe(0);
  });

  // Promptness is measured in work, not in wall time (a loaded machine slows both alike): after
  // abort() the call may report at most a quarter of its work more before it rejects.
  it('aborting covLassoPath on a 1500-category singular problem mid-run rejects promptly; the event loop keeps ticking', async () => {
    const controller = new AbortController();
    let ticks = 0;
    let last = Date.now();
    let worstGap = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
      ticks++;
    }, 10);
    const started = Date.now();
    let done = 0;
    const pending = settle(covLassoPath(hardS, { signal: controller.signal, onProgress: (f) => (done = f) }));
    await new Promise((resolve) => setTimeout(resolve, 600));
    const abortedAt = Date.now();
    const doneAtAbort = done;
    controller.abort();
    const r = await pending;
    clearInterval(timer);
    expect(r.value).toBeUndefined();
    expectAbort(r.error);
    expect(doneAtAbort).toBeLessThan(1);
    expect(done - doneAtAbort).toBeLessThanOrEqual(0.25);
    // responsive: ~60 ticks expected in 600 ms; allow for a loaded machine
    expect(ticks).toBeGreaterThanOrEqual(Math.floor((abortedAt - started) / 10 / 3));
    // a blocked event loop would show one gap as long as the whole wait (600 ms)
    expect(worstGap).toBeLessThan(600);
  });

  it('aborting a 200000x800 float32 covariance mid-run rejects promptly', async () => {
    const controller = new AbortController();
    let done = 0;
    const pending = settle(covariance(big, { signal: controller.signal, onProgress: (f) => (done = f) }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const doneAtAbort = done;
    controller.abort('user cancelled');
    const r = await pending;
    expectAbort(r.error, 'user cancelled');
    expect(doneAtAbort).toBeLessThan(1);
    expect(done - doneAtAbort).toBeLessThanOrEqual(0.25);
  });

  it('aborting after completion changes nothing, and a later call with a fresh signal works', async () => {
    const controller = new AbortController();
    const S = new Matrix(3, 3, new Float64Array([2, 1, 0, 1, 2, 1, 0, 1, 2]));
    const r = await covLasso(S, { signal: controller.signal });
    controller.abort();
    expect(r.converged.every((v) => v === 1)).toBe(true);
    const again = await covLasso(S, { signal: new AbortController().signal });
    expect(sameBytes(again.objective, r.objective)).toBe(true);
  });
});

describe('progress', () => {
  it('onProgress: non-decreasing fractions in [0, 1], ending with 1, throttled to ~one call per 100 ms', async () => {
    const calls: Array<[number, number]> = [];
    const started = Date.now();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    await covariance(big, { onProgress: (f) => calls.push([Date.now(), f]) });
    clearInterval(timer);
    const elapsed = Date.now() - started;
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.some(([, f]) => f > 0 && f < 1)).toBe(true); // progress is reported during the run
    for (let k = 0; k < calls.length; k++) {
      const f = calls[k][1];
      expect(f >= 0 && f <= 1).toBe(true);
      if (k > 0) expect(f).toBeGreaterThanOrEqual(calls[k - 1][1]);
    }
    expect(calls[calls.length - 1][1]).toBe(1);
    // throttled: at most one call per 100 ms, plus the final one(s)
    expect(calls.length).toBeLessThanOrEqual(Math.floor(elapsed / 100) + 3);
    const intermediate = calls.filter(([, f]) => f < 1);
    for (let k = 1; k < intermediate.length; k++) expect(intermediate[k][0] - intermediate[k - 1][0]).toBeGreaterThanOrEqual(80);
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 10 / 3)); // event loop stayed responsive
  });

  it('covLasso progress ends with 1 too', async () => {
    const calls: number[] = [];
    const S = new Matrix(3, 3, new Float64Array([2, 1, 0, 1, 2, 1, 0, 1, 2]));
    await covLasso(S, { onProgress: (f) => calls.push(f) });
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls[calls.length - 1]).toBe(1);
    for (const f of calls) expect(f >= 0 && f <= 1).toBe(true);
  });
});

function sameResult(a: CovLassoResult, b: { objective: Float64Array; gap: Float64Array; iterations: Int32Array; coef: { indptr: Int32Array; indices: Int32Array; values: Float64Array } }): void {
  expect(sameBytes(a.objective, b.objective)).toBe(true);
  expect(sameBytes(a.gap, b.gap)).toBe(true);
  expect(sameBytes(a.iterations, b.iterations)).toBe(true);
  expect(sameBytes(a.coef.indptr, b.coef.indptr)).toBe(true);
  expect(sameBytes(a.coef.indices, b.coef.indices)).toBe(true);
  expect(sameBytes(a.coef.values, b.coef.values)).toBe(true);
}

describe('concurrency', () => {
  const n = 300;
  const c = 120;
  const S = new Matrix(c, c, secondMoment(randomLogits(n, c, 8, { rank: 30 }), n, c));

  it('several concurrent covLasso calls give the same results as sequential ones', async () => {
    const ratios = [0.2, 0.05, 0.02, 0.05];
    const sequential: CovLassoResult[] = [];
    for (const lambdaRatio of ratios) sequential.push(await covLasso(S, { lambdaRatio }));
    const concurrent = await Promise.all(ratios.map((lambdaRatio, k) => covLasso(S, { lambdaRatio, threads: 1 + (k % 2) })));
    concurrent.forEach((r, k) => sameResult(r, sequential[k]));
    sameResult(concurrent[1], concurrent[3]);
  });

  it('concurrent covariance and covLasso calls do not interfere', async () => {
    const X = new Matrix(5000, 60, randomLogits(5000, 60, 9, { float32: true }));
    const [S1, r1, S2] = await Promise.all([covariance(X), covLasso(S, { lambdaRatio: 0.05 }), covariance(X, { center: true })]);
    expect(sameBytes(S1.data, (await covariance(X)).data)).toBe(true);
    expect(sameBytes(S2.data, (await covariance(X, { center: true })).data)).toBe(true);
    sameResult(r1, await covLasso(S, { lambdaRatio: 0.05 }));
  });

  const workerScript = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { Matrix, covLasso, covariance } = require(workerData.entry);
    (async () => {
      const F = new Matrix(workerData.n, workerData.c, workerData.F);
      const S = await covariance(F);
      const r = await covLasso(S, { lambdaRatio: workerData.ratio });
      parentPort.postMessage({ S: S.data, objective: r.objective, gap: r.gap, iterations: r.iterations, coef: r.coef });
    })().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
  `;

  it('covLasso in 2 worker_threads at once equals the main thread (compiled dist/cjs)', async () => {
    const entry = compiledEntry('cjs');
    const F = randomLogits(n, c, 8, { rank: 30 });
    const run = (): Promise<Record<string, unknown>> =>
      new Promise((resolve, reject) => {
        const w = new Worker(workerScript, { eval: true, workerData: { entry, F, n, c, ratio: 0.03 } });
        w.once('message', (m: Record<string, unknown>) => {
          void w.terminate();
          resolve(m);
        });
        w.once('error', reject);
      });
    const mainS = await covariance(new Matrix(n, c, F));
    const [a, b, mainR] = await Promise.all([run(), run(), covLasso(mainS, { lambdaRatio: 0.03 })]);
    for (const m of [a, b]) {
      expect(m.error).toBeUndefined();
      expect(sameBytes(m.S as Float64Array, mainS.data)).toBe(true);
      sameResult(mainR, m as unknown as CovLassoResult);
    }
  });

  it('the ESM entry dist/esm/index.mjs imports and runs (child process)', async () => {
    const entry = pathToFileURL(compiledEntry('esm')).href;
    const script = `
      import { Matrix, covLasso, CovlassoError, NotFiniteError, covariance } from ${JSON.stringify(entry)};
      const S = new Matrix(3, 3, new Float64Array([2, 1, 0, 1, 2, 1, 0, 1, 2]));
      const r = await covLasso(S, { lambdaRatio: 0.1 });
      let code = null, typed = false;
      try { await covariance(new Matrix(1, 1, new Float64Array([NaN]))); } catch (e) { code = e.code; typed = e instanceof NotFiniteError && e instanceof CovlassoError; }
      console.log(JSON.stringify({ objective: Array.from(r.objective), converged: Array.from(r.converged), code, typed }));
    `;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: path.resolve(__dirname, '..') }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
    const got = JSON.parse(out.trim().split('\n').pop() as string) as { objective: number[]; converged: number[]; code: string; typed: boolean };
    const want = await covLasso(new Matrix(3, 3, new Float64Array([2, 1, 0, 1, 2, 1, 0, 1, 2])), { lambdaRatio: 0.1 });
    expect(got.objective).toEqual(Array.from(want.objective));
    expect(got.converged).toEqual([1, 1, 1]);
    expect(got.code).toBe('ERR_COVLASSO_NOT_FINITE');
    expect(got.typed).toBe(true);
  });
});

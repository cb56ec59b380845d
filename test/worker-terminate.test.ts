/**
 * worker.terminate() while a covariance or path call runs in that worker: the job's completion
 * runs during the worker environment's teardown, and must neither throw into it (which would
 * terminate the whole process) nor touch freed state. Runs in a child process, whose exit code
 * says whether the main thread survived. Loads the COMPILED package (dist/cjs).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { CHILD_PROCESS_TEST_TIMEOUT, compiledEntry } from './support/helpers';

const script = `
const { Worker } = require('node:worker_threads');
const entry = process.argv[1];
const src = \`
  const { parentPort, workerData } = require('node:worker_threads');
  const { Matrix, covariance, covLassoPath, CovarianceAccumulator } = require(workerData.entry);
  const n = 20000, c = 400;
  const F = new Float32Array(n * c);
  for (let i = 0; i < F.length; i++) F[i] = Math.sin(i * 0.7) + (i % 13) * 0.01;
  const X = new Matrix(n, c, F);
  parentPort.postMessage('started');
  (async () => {
    for (;;) {
      const S = await covariance(X, { onProgress: () => {} });
      const acc = new CovarianceAccumulator(c);
      void acc.update(X);
      await covLassoPath(S, { nLambda: 50, ratioMin: 1e-3, onProgress: () => {} });
    }
  })();
\`;
(async () => {
  for (let i = 0; i < 6; i++) {
    const w = new Worker(src, { eval: true, workerData: { entry } });
    await new Promise((r) => w.once('message', r));
    await new Promise((r) => setTimeout(r, 20 + 40 * i));
    await w.terminate();
  }
  console.log('survived');
})();
`;

// A worker terminated while a native call is throwing its error into JS: napi_throw fails in a
// terminating environment, and node-addon-api would then throw a C++ Napi::Error out of the
// callback (std::terminate: the whole process aborts, 134) unless the addon is built with
// NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS. 40 terminations of workers looping on throwing calls
// (one in the binding's argument check, one in the core's finiteness check) aborted every run
// without it.
const throwingScript = `
const { Worker } = require('node:worker_threads');
const entry = process.argv[1];
const src = \`
  const { parentPort, workerData } = require('node:worker_threads');
  const native = require(workerData.native).loadNative();
  const { Matrix, covarianceSync } = require(workerData.entry);
  const X = new Matrix(4, 3, new Float64Array(12).fill(NaN));
  parentPort.postMessage('started');
  for (;;) {
    try { native.covarianceSync({ bogus: 1 }); } catch {}
    try { covarianceSync(X); } catch {}
  }
\`;
(async () => {
  for (let i = 0; i < 40; i++) {
    const w = new Worker(src, { eval: true, workerData: { entry, native: entry.replace(/index\\.js$/, 'runtime/native.js') } });
    await new Promise((r) => w.once('message', r));
    await new Promise((r) => setTimeout(r, 5 + (i % 7) * 3));
    await w.terminate();
  }
  console.log('survived');
})();
`;

function runChild(source = script): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', source, compiledEntry('cjs')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('worker.terminate() during a native call', () => {
  it('terminating workers mid-covariance / mid-path (6 times, with progress callbacks) leaves the main process alive, exit 0', async () => {
    const r = await runChild();
    expect({ code: r.code, signal: r.signal, stderr: r.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(r.stdout.trim()).toBe('survived');
  }, CHILD_PROCESS_TEST_TIMEOUT);

  it('terminating workers while native calls throw their errors (40 times) leaves the main process alive, exit 0', async () => {
    const r = await runChild(throwingScript);
    expect({ code: r.code, signal: r.signal, stderr: r.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(r.stdout.trim()).toBe('survived');
  }, CHILD_PROCESS_TEST_TIMEOUT);
});

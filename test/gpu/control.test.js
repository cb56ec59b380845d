// Running on the GPU: backend selection with a device present, abort within a second (the
// cancel flag is read between chunks and between kernel launches), progress, and `auto`.
// Skips without a usable CUDA device.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { covlasso, skip, GPU, deviceOnly, cuda, headLogits } = require('./support');

test('backends() names the device and its memory; auto and cuda run on it', { skip: deviceOnly }, () => {
  assert.match(cuda.detail, /GiB, compute capability \d+\.\d+/);
  const X = headLogits(500, 30, 8, 1);
  const viaAuto = covlasso.covarianceSync(X, { backend: 'auto' });
  const viaCuda = covlasso.covarianceSync(X, { backend: GPU });
  assert.ok(Buffer.from(viaAuto.data.buffer).equals(Buffer.from(viaCuda.data.buffer)), 'auto is the GPU here');
});

async function abortsWithinASecond(start, what) {
  const controller = new AbortController();
  const promise = start(controller.signal);
  const settled = promise.then(() => 'resolved', () => 'rejected');
  const early = await Promise.race([settled, new Promise((r) => setTimeout(() => r(null), 50))]);
  assert.equal(early, null, `${what}: the job ended before the abort: make it larger`);
  const t1 = Date.now();
  controller.abort();
  await assert.rejects(promise, (e) => e.code === 'ERR_COVLASSO_ABORTED');
  const latency = Date.now() - t1;
  console.log(`  ${what}: aborted ${latency} ms after the signal`);
  assert.ok(latency < 1000, `${what}: ${latency} ms`);
}

// rows × cols float32 of a repeated random block (fast to make, slow to multiply).
function bigLogits(rows, cols) {
  const block = headLogits(256, cols, 8, 2).data;
  const data = new Float32Array(rows * cols);
  for (let at = 0; at < data.length; at += block.length) data.set(block.subarray(0, Math.min(block.length, data.length - at)), at);
  return new covlasso.Matrix(rows, cols, data);
}

test('abort stops a large covariance and a large path within a second', { skip }, async () => {
  const X = bigLogits(1000000, 2000);  // 8 GB: ~0.3 s on an H200
  await abortsWithinASecond((signal) => covlasso.covariance(X, { backend: GPU, signal }), 'covariance 1,000,000 × 2000');
  const S = covlasso.covarianceSync(headLogits(4000, 2000, 256, 3), { backend: GPU });
  await abortsWithinASecond((signal) => covlasso.covLassoPath(S, { nLambda: 100, ratioMin: 1e-4, backend: GPU, signal }), 'paths, 2000 targets');
});

test('progress is reported, increasing, ending at 1', { skip }, async () => {
  const seen = [];
  const X = headLogits(200000, 500, 16, 4);
  await covlasso.covariance(X, { backend: GPU, onProgress: (f) => seen.push(f) });
  assert.ok(seen.length >= 2, `${seen.length} reports`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1]);
  assert.equal(seen[seen.length - 1], 1);
  const S = covlasso.covarianceSync(headLogits(3000, 800, 64, 5), { backend: GPU });
  const lasso = [];
  await covlasso.covLassoPath(S, { nLambda: 50, backend: GPU, onProgress: (f) => lasso.push(f) });
  assert.equal(lasso[lasso.length - 1], 1);
});

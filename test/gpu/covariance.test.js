// GPU covariance against the CPU's float64-product covariance, within the bound stated in
// native/cuda/moments_steps.cuh (2e-12 of max|S|), on real and synthetic logits (large means,
// float32/float64/mixed, cross moments, centered), streamed accumulators merged across backends,
// NaN reporting, determinism. Skips without a usable CUDA device.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { covlasso, skip, onGpu, cjk1000, headLogits, maxAbs, maxDiff } = require('./support');

const BOUND = 2e-12;
const f64 = { productPrecision: 'float64', backend: 'cpu' };

function within(gpu, cpu, what, bound = BOUND) {
  const err = maxDiff(gpu.data, cpu.data) / Math.max(maxAbs(cpu.data), 1e-300);
  console.log(`  ${what}: max |GPU − CPU| / max|S| = ${err.toExponential(2)}`);
  assert.ok(err <= bound, `${what}: ${err} > ${bound}`);
}

test('cjk1000 logits: second moment and centered, float32 input', { skip }, () => {
  const data = cjk1000();
  if (!data) return;
  const X = data.logits.sliceRows(0, Math.min(data.logits.rows, 4000));
  for (const center of [false, true]) {
    within(covlasso.covarianceSync(X, { center, ...onGpu }), covlasso.covarianceSync(X, { center, ...f64 }), `cjk1000 center=${center}`);
  }
});

test('synthetic: a mean of 1e4 loses nothing (shifted sums), float32 and float64', { skip }, () => {
  const X = headLogits(20000, 300, 64, 3, 1e4);
  within(covlasso.covarianceSync(X, { center: true, ...onGpu }), covlasso.covarianceSync(X, { center: true, ...f64 }), 'mean 1e4, f32');
  const X64 = new covlasso.Matrix(X.rows, X.cols, Float64Array.from(X.data));
  within(covlasso.covarianceSync(X64, { center: true, ddof: 1, ...onGpu }), covlasso.covarianceSync(X64, { center: true, ddof: 1, ...f64 }), 'mean 1e4, f64, ddof 1');
});

test('cross moments of float32 × float64, odd shapes', { skip }, () => {
  const A = headLogits(3001, 77, 16, 4, 5);
  const B64 = headLogits(3001, 130, 16, 5, -3);
  const B = new covlasso.Matrix(B64.rows, B64.cols, Float64Array.from(B64.data));
  for (const center of [false, true]) {
    within(covlasso.crossMomentsSync(A, B, { center, ...onGpu }), covlasso.crossMomentsSync(A, B, { center, ...f64 }), `cross center=${center}`);
  }
});

test('streamed accumulators: GPU and CPU shards merge (the state is host state)', { skip }, async () => {
  const X = headLogits(9000, 120, 32, 6, 50);
  const a = new covlasso.CovarianceAccumulator(120);
  await a.update(X.sliceRows(0, 4000), { ...onGpu });
  a.updateSync(X.sliceRows(4000, 6000), { ...onGpu });
  const b = new covlasso.CovarianceAccumulator(120);
  b.updateSync(X.sliceRows(6000, 9000), { backend: 'cpu', productPrecision: 'float64' });
  a.merge(b);
  assert.equal(a.count, 9000);
  for (const center of [false, true]) {
    // merge() re-expresses shards on one shift: its own rounding (README: ~1e-12), not the GPU's.
    within(a.result({ center }), covlasso.covarianceSync(X, { center, ...f64 }), `GPU+GPU+CPU shards merged, center=${center}`, 1e-10);
  }
});

test('NaN: the GPU names the row and column and leaves the accumulator unchanged', { skip }, () => {
  const X = headLogits(5000, 40, 8, 7);
  X.data[3217 * 40 + 13] = NaN;
  const acc = new covlasso.CovarianceAccumulator(40);
  acc.updateSync(X.sliceRows(0, 100), { ...onGpu });
  assert.throws(() => acc.updateSync(X, { ...onGpu }), (e) => e.code === 'ERR_COVLASSO_NOT_FINITE' && /row 3317, column 13/.test(e.message));
  assert.equal(acc.count, 100);
});

test('the same bits run to run', { skip }, () => {
  const X = headLogits(30000, 257, 64, 8, 2);
  const a = covlasso.covarianceSync(X, { ...onGpu });
  const b = covlasso.covarianceSync(X, { ...onGpu });
  assert.ok(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer)));
});

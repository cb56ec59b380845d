#!/usr/bin/env node
// The GPU covariance from host memory (issue #9's target): an N×C float32 matrix already in
// this process's memory (read from --file, e.g. the 1,280,000 × 1000 one bench/gpu/torch_cov.py
// writes), S = XᵀX/N on the CUDA backend (the first, smaller call starts the device), then on the
// CPU backend for comparison, timing each; saves the GPU's S for torch_cov.py to compare.
//
//   node bench/gpu/covariance.js --file /tmp/x.npy [--repeat 3] [--save /tmp/S-gpu.npy] [--cpu-threads 16]
//        [--gpu-backend cuda]   (cpu: a rehearsal of the script on a machine without a GPU)
'use strict';
const covlasso = require('../../dist/cjs');
const { readNpyBig, option, seconds } = require('./util');


async function main() {
  const gpu = option('gpu-backend', 'cuda');
  const file = option('file');
  if (!file) throw new Error('--file x.npy is required');
  let t = process.hrtime.bigint();
  const a = readNpyBig(file);
  const X = new covlasso.Matrix(a.shape[0], a.shape[1], a.data);
  console.log(JSON.stringify({ rows: X.rows, cols: X.cols, dtype: X.dtype, gigabytes: (X.data.byteLength / 1e9).toFixed(2), readSeconds: seconds(t) }));
  t = process.hrtime.bigint();
  covlasso.covarianceSync(X.sliceRows(0, 4096), { backend: gpu });
  console.log(JSON.stringify({ step: 'device start + first small call', seconds: seconds(t) }));
  let S;
  const times = [];
  for (let i = 0; i < Number(option('repeat', '3')); i++) {
    t = process.hrtime.bigint();
    S = await covlasso.covariance(X, { backend: gpu });
    times.push(seconds(t));
  }
  const flops = X.rows * X.cols * (X.cols + 1);  // upper triangle, multiply + add
  const best = Math.min(...times);
  console.log(JSON.stringify({ backend: gpu, seconds: times, best, hostGBps: X.data.byteLength / best / 1e9, effectiveTflops: flops / best / 1e12 }));
  t = process.hrtime.bigint();
  const threads = option('cpu-threads') ? Number(option('cpu-threads')) : undefined;
  const C64 = covlasso.covarianceSync(X, { backend: 'cpu', productPrecision: 'float64', threads });
  const tCpu64 = seconds(t);
  t = process.hrtime.bigint();
  covlasso.covarianceSync(X, { backend: 'cpu', threads });
  const tCpu32 = seconds(t);
  let err = 0, scale = 0;
  for (let i = 0; i < S.data.length; i++) err = Math.max(err, Math.abs(S.data[i] - C64.data[i])), scale = Math.max(scale, Math.abs(C64.data[i]));
  console.log(JSON.stringify({ backend: 'cpu', float64ProductsSeconds: tCpu64, float32ProductsSeconds: tCpu32, gpuVsCpuFloat64MaxErrorOfMaxS: err / scale }));
  const save = option('save');
  if (save) covlasso.writeNpySync(save, { shape: [S.rows, S.cols], data: S.data });
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

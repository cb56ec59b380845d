#!/usr/bin/env node
// CovLasso on a factored covariance at vocabulary scale (issue #11): a synthetic language-model
// head W (C×d, float32; rows clustered around C/64 centres, every 1000th row a near duplicate of
// the one before), no bias, and N features with a decaying spectrum (feature j scaled by
// 1/(1 + j/32)); S = W Σ_h Wᵀ is never formed. Deterministic (mulberry32 + Box-Muller).
//
//   node bench/factored.js [--categories 131072] [--width 4096] [--samples 8192] [--targets 1000]
//        [--lambda-ratio 0.1] [--center] [--threads n]
//
// Prints the time of each step (the feature moments, the diagonal of S, the solve of --targets
// targets spread over C), how many were certified, the mean support, the peak RSS against
// W + Σ_h, and, when --targets is below 1000, the 1000-target time extrapolated from the solve.
'use strict';
const covlasso = require('../dist/cjs');
const { mulberry32 } = require('../dist/cjs/random');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const C = Number(arg('categories', '131072'));
const d = Number(arg('width', '4096'));
const N = Number(arg('samples', '8192'));
const T = Number(arg('targets', '1000'));
const lambdaRatio = Number(arg('lambda-ratio', '0.1'));
const threads = arg('threads') === undefined ? undefined : Number(arg('threads'));
const center = process.argv.includes('--center');

const u = mulberry32(20261202);
const gauss = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
const seconds = (t) => Number(process.hrtime.bigint() - t) / 1e9;
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

function head() {
  const clusters = Math.max(1, Math.floor(C / 64));
  const centres = new Float32Array(clusters * d);
  for (let i = 0; i < centres.length; i++) centres[i] = 0.04 * gauss();
  const w = new Float32Array(C * d);
  for (let i = 0; i < C; i++) {
    const row = w.subarray(i * d, (i + 1) * d);
    if (i % 1000 === 999) {
      const prev = w.subarray((i - 1) * d, i * d);
      for (let j = 0; j < d; j++) row[j] = prev[j] * (1 + 1e-3 * gauss());
      continue;
    }
    const c = centres.subarray((i % clusters) * d, (i % clusters + 1) * d);
    for (let j = 0; j < d; j++) row[j] = c[j] + 0.02 * gauss();
  }
  return w;
}

function features() {
  const h = new Float32Array(N * d);
  for (let n = 0; n < N; n++) for (let j = 0; j < d; j++) h[n * d + j] = (0.1 + gauss()) / (1 + j / 32);
  return h;
}

const baseline = process.memoryUsage().rss;
let t = process.hrtime.bigint();
const W = head();
const H = features();
const generate = seconds(t);
t = process.hrtime.bigint();
const acc = new covlasso.CovarianceAccumulator(d);
acc.updateSync(new covlasso.Matrix(N, d, H), { productPrecision: 'float64', threads });
const F = covlasso.factoredCovariance({ head: new covlasso.Matrix(C, d, W), features: acc, center });
const moments = seconds(t);
t = process.hrtime.bigint();
F.diagonalSync({ threads });
const diagonal = seconds(t);
const targets = Int32Array.from({ length: T }, (_, i) => Math.floor((i * C) / T));
t = process.hrtime.bigint();
const r = covlasso.covLassoSync(F, { lambdaRatio, targets, threads });
const solve = seconds(t);
const certified = r.converged.reduce((a, b) => a + b, 0);
const nnz = r.coef.indices.length / T;
const rss = process.resourceUsage().maxRSS * 1024;
const floor = W.byteLength + d * d * 8;
console.log(`factored CovLasso, ${require('node:os').cpus()[0].model}, threads ${threads ?? 'all'}: C = ${C}, d = ${d}, N = ${N}, ${center ? 'centered' : 'second moment'}, λ ratio ${lambdaRatio}`);
console.log(`  generate ${generate.toFixed(1)} s (not counted), feature moments ${moments.toFixed(1)} s, diagonal of S ${diagonal.toFixed(1)} s`);
console.log(`  solve of ${T} targets: ${solve.toFixed(1)} s (it takes the diagonal again: ${(solve - diagonal).toFixed(1)} s without it), certified ${certified}/${T}, mean support ${nnz.toFixed(1)}`);
if (T < 1000) console.log(`  1000 targets, extrapolated: ${(diagonal + ((solve - diagonal) * 1000) / T).toFixed(0)} s`);
console.log(`  peak RSS ${mib(rss)}, ${mib(rss - baseline)} above Node's own at start; W + Σ_h = ${mib(floor)} (plus the features H, ${mib(H.byteLength)}, held by this benchmark)`);

// Shared by the GPU tests (node --test test/gpu/): the package from dist/, whether a CUDA device
// is usable (every test skips, not fails, without one), the cjk1000 problem (from
// COVLASSO_GPU_DATA or .device/data, which scripts/prepare-device-check.sh fills, else
// ../shared/data/cjk1000), synthetic problems, and the certificate recomputed in float64 here.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const covlasso = require(path.join(root, 'dist', 'cjs'));

const cuda = covlasso.backends().find((b) => b.name === 'cuda');
// COVLASSO_GPU_REHEARSAL=1 runs the suite with the CPU standing in for the GPU (to check the
// tests themselves on a machine without one; the device-only checks still skip).
const rehearsal = process.env.COVLASSO_GPU_REHEARSAL === '1';
const GPU = rehearsal ? 'cpu' : 'cuda';
// The options that put a covariance on the "GPU" (float64 products, as the GPU always uses).
const onGpu = rehearsal ? { backend: 'cpu', productPrecision: 'float64' } : { backend: 'cuda' };
const noDevice = cuda && cuda.available ? false : `no usable CUDA device (${cuda ? cuda.detail : 'no cuda entry'})`;
const skip = rehearsal ? false : noDevice;
const deviceOnly = rehearsal ? 'rehearsal on the CPU' : noDevice;

function dataDir() {
  for (const dir of [process.env.COVLASSO_GPU_DATA, path.join(root, '.device', 'data'), path.resolve(root, '..', 'shared', 'data', 'cjk1000')]) {
    if (dir && fs.existsSync(dir)) return dir;
  }
  return null;
}

let cached;
/** { S: centered covariance of rows 0..7999 (float64), logits: some float32 rows } or null. */
function cjk1000() {
  if (cached !== undefined) return cached;
  const dir = dataDir();
  cached = null;
  if (!dir) return cached;
  const sFile = path.join(dir, 'cjk1000-S.npy');
  const rowsFile = path.join(dir, 'cjk1000-rows.npy');
  const full = path.join(dir, 'logits.npy');
  let logits;
  if (fs.existsSync(rowsFile)) logits = covlasso.readNpySync(rowsFile);
  else if (fs.existsSync(full)) logits = covlasso.readNpySync(full);
  else return cached;
  const X = new covlasso.Matrix(logits.shape[0], logits.shape[1], logits.data);
  let S;
  if (fs.existsSync(sFile)) {
    const s = covlasso.readNpySync(sFile);
    S = new covlasso.Matrix(s.shape[0], s.shape[1], s.data);
  } else {
    S = covlasso.covarianceSync(X.sliceRows(0, Math.min(8000, X.rows)), { center: true, productPrecision: 'float64', backend: 'cpu' });
  }
  cached = { S, logits: X };
  return cached;
}

/** N×C float32 logits of a width-d ReLU head (bench/problems.js: rank ≤ d), offset by `mean`. */
function headLogits(rows, cols, width, seed, mean = 0) {
  const m = require(path.join(root, 'bench', 'problems')).headLogits(rows, cols, width, seed);
  if (mean !== 0) for (let i = 0; i < m.data.length; i++) m.data[i] += mean;
  return m;
}

/** The certificate of column k of a result, recomputed from its coefficients in float64. */
function recomputeGap(G, cross, d, exclude, coef, k, lambda, opts = {}) {
  const p = G.rows;
  const l1Ratio = opts.l1Ratio ?? 1;
  const l1 = lambda * l1Ratio, l2 = lambda * (1 - l1Ratio);
  const w = opts.penaltyFactor;
  const beta = new Float64Array(p);
  for (let e = coef.indptr[k]; e < coef.indptr[k + 1]; e++) beta[coef.indices[e]] = coef.values[e];
  let bs = 0, bq = 0, n1 = 0, n2 = 0, nu = 0, kkt = 0;
  for (let j = 0; j < p; j++) {
    let q = 0;
    for (let i = 0; i < p; i++) if (beta[i] !== 0) q += beta[i] * G.data[i * p + j];
    const s = cross(j);
    const b = beta[j];
    const wj = w ? w[j] : 1;
    bs += b * s, bq += b * q, n1 += wj * Math.abs(b), n2 += b * b;
    if (j === exclude) continue;
    const g = s - q - l2 * b;
    if (wj > 0) nu = Math.max(nu, (opts.positive ? Math.max(g, 0) : Math.abs(g)) / wj);
    else {
      const excess = opts.positive && b === 0 ? Math.max(g, 0) : g;  // at the bound β_j = 0, only g > 0 counts
      kkt = Math.max(kkt, (excess * excess) / (G.data[j * p + j] + l2));
    }
  }
  const r2 = d - 2 * bs + bq;
  const c = nu > l1 ? l1 / nu : 1;
  const gap = 0.5 * r2 * (1 + c * c) + l1 * n1 - c * (d - bs) + 0.5 * l2 * (1 + c * c) * n2;
  return { gap, kkt, objective: 0.5 * Math.max(r2, 0) + l1 * n1 + 0.5 * l2 * n2 };
}

function maxAbs(a) {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

function maxDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

module.exports = { covlasso, cuda, skip, deviceOnly, GPU, onGpu, rehearsal, cjk1000, headLogits, recomputeGap, maxAbs, maxDiff, root };

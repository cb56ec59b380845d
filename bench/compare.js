#!/usr/bin/env node
// Peer comparison, measured in one run on the same problem: covlasso vs scikit-learn (and
// numpy's X.T @ X for the covariance), when Debian's python3-sklearn / python3-numpy are
// installed. Prints a table of times and ratios and writes bench/results/compare.json.
//
//   node bench/compare.js [--logits file.npy] [--rows 0:8000] [--ratio 0.1] [--path-targets 20]
//
// Default problem: ../shared/data/cjk1000/logits.npy rows 0..7999 (synthetic width-256 head
// logits when it is absent). Every solve uses tol 1e-6 on both sides.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const covlasso = require('../dist/cjs');
const { headLogits, cjkDir } = require('./problems');

const PYTHON = '/usr/bin/python3';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeIt(fn, repeats = 3) {
  const times = [];
  let value;
  for (let k = 0; k < repeats; k++) {
    const t = process.hrtime.bigint();
    value = await fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  return { seconds: median(times), value };
}

function havePeer() {
  try {
    execFileSync(PYTHON, ['-c', 'import sklearn, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function python(args) {
  return execFileSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] });
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-bench-'));
  let file = option('logits', path.join(cjkDir, 'logits.npy'));
  let rows = option('rows', '0:8000');
  if (!fs.existsSync(file)) {
    const X = headLogits(8000, 1000, 256, 5);
    file = path.join(tmp, 'synthetic.npy');
    covlasso.writeNpySync(file, { shape: [X.rows, X.cols], data: X.data });
    rows = '0:8000';
  }
  const ratio = Number(option('ratio', '0.1'));
  const pathTargets = Number(option('path-targets', '20'));
  const [r0, r1] = rows.split(':').map(Number);
  const all = covlasso.readNpySync(file);
  const cols = all.shape[1];
  const X = new covlasso.Matrix(r1 - r0, cols, all.data.subarray(r0 * cols, r1 * cols));
  const X64 = new covlasso.Matrix(X.rows, X.cols, Float64Array.from(X.data));
  const results = { machine: `${os.cpus()[0].model}, ${os.cpus().length} threads`, node: process.version, problem: `${file} rows ${rows}`, lambdaRatio: ratio, rows: [] };
  const row = (job, ours, peer, peerName, note = '') => {
    results.rows.push({ job, covlasso: ours, peer, peerName, ratio: peer ? peer / ours : null, note });
  };

  const cov32 = await timeIt(() => covlasso.covariance(X));
  const cov64 = await timeIt(() => covlasso.covariance(X64));
  const S = cov32.value;
  const single = await timeIt(() => covlasso.covLasso(S, { lambdaRatio: ratio }));
  const targets = Array.from({ length: Math.min(pathTargets, cols) }, (_, i) => i);
  const pathRun = await timeIt(() => covlasso.covLassoPath(S, { targets }), 1);

  const peer = havePeer();
  let numpy = null;
  let sk = null;
  let skPath = null;
  let skEstimator = null;
  if (peer) {
    const script = `import numpy as np, time, json
X = np.load(${JSON.stringify(file)}, mmap_mode='r')[${r0}:${r1}]
out = {}
for name, A in (('f32', np.ascontiguousarray(X, dtype=np.float32)), ('f64', np.ascontiguousarray(X, dtype=np.float64))):
    A.T @ A
    ts = []
    for _ in range(3):
        t = time.perf_counter(); A.T @ A; ts.append(time.perf_counter() - t)
    out[name] = sorted(ts)[1]
print(json.dumps(out))`;
    numpy = JSON.parse(python(['-c', script]));
    const skFile = path.join(tmp, 'sk.json');
    python([path.join(__dirname, 'peer_sklearn.py'), file, '--rows', rows, '--ratio', String(ratio), '--tol', '1e-6', '--out', skFile]);
    sk = JSON.parse(fs.readFileSync(skFile, 'utf8'));
    const skEstFile = path.join(tmp, 'sk-est.json');
    python([path.join(__dirname, 'peer_sklearn.py'), file, '--rows', rows, '--ratio', String(ratio), '--tol', '1e-6', '--engine', 'estimator', '--out', skEstFile]);
    skEstimator = JSON.parse(fs.readFileSync(skEstFile, 'utf8'));
    const skPathFile = path.join(tmp, 'sk-path.json');
    python([path.join(__dirname, 'peer_sklearn.py'), file, '--rows', rows, '--path', '--targets', `0:${targets.length}`, '--tol', '1e-6', '--out', skPathFile]);
    skPath = JSON.parse(fs.readFileSync(skPathFile, 'utf8'));
  }
  row('XᵀX float32 (covariance)', cov32.seconds, numpy && numpy.f32, 'numpy X.T @ X (OpenBLAS)');
  row('XᵀX float64 (covariance)', cov64.seconds, numpy && numpy.f64, 'numpy X.T @ X (OpenBLAS)');
  let worse = 0;
  if (sk) {
    for (const t of sk.targets) {
      const k = t.target;
      if (single.value.objective[k] > t.objective + 1e-6 * S.data[k * cols + k]) worse++;
    }
  }
  const conv = single.value.converged.reduce((a, b) => a + b, 0);
  row(`all ${cols} CovLassos, λ ratio ${ratio}`, single.seconds, sk && sk.seconds_total - sk.seconds_gram, 'sklearn lasso_path(precompute=Gram), Gram excluded',
    `covlasso converged ${conv}/${cols}` + (sk ? `, sklearn unconverged ${sk.targets.filter((t) => !t.converged).length}, ours worse than sklearn+1e-6·S_ii: ${worse}` : ''));
  row(`all ${cols} CovLassos, λ ratio ${ratio}`, single.seconds, skEstimator && skEstimator.seconds_total - skEstimator.seconds_gram, 'sklearn Lasso(precompute=Gram).fit looped, Gram excluded',
    skEstimator ? `sklearn unconverged ${skEstimator.targets.filter((t) => !t.converged).length}` : '');
  row(`path 100 λ (1 → 1e-3), ${targets.length} targets`, pathRun.seconds, skPath && skPath.seconds_total - skPath.seconds_gram, 'sklearn lasso_path(precompute=Gram)',
    `covlasso converged ${pathRun.value.converged.reduce((a, b) => a + b, 0)}/${pathRun.value.converged.length}`);

  console.log(`machine: ${results.machine}; node ${results.node}; problem: ${results.problem}`);
  console.log('| job | covlasso (s) | peer (s) | peer / covlasso | peer | note |');
  console.log('| --- | ---: | ---: | ---: | --- | --- |');
  for (const r of results.rows) {
    console.log(`| ${r.job} | ${r.covlasso.toFixed(3)} | ${r.peer == null ? 'n/a' : r.peer.toFixed(3)} | ${r.ratio == null ? 'n/a' : r.ratio.toFixed(1) + '×'} | ${r.peer == null ? 'not installed' : r.peerName} | ${r.note} |`);
  }
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'compare.json'), JSON.stringify(results, null, 2));
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

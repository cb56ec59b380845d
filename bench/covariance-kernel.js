#!/usr/bin/env node
// The covariance kernel against numpy's X.T @ X (OpenBLAS syrk), float32 and float64, timed in
// the same run on the same data, plus the accuracy of covlasso's float32 path against a float64
// reference. Issue #3's targets: time ratio covlasso / numpy <= 1.25 for both dtypes, float32
// result within 1e-6 of max|S|.
//
//   npm run build:native && npm run build:ts
//   node bench/covariance-kernel.js [--shapes 100000x1000,8000x1000] [--repeats 3] [--no-cjk]
//
// Data: deterministic (mulberry32 + Box-Muller), logit-like: per-column offsets in [-3, 3],
// a shared factor and unit noise; the cjk1000 logits (rows 0..7999) when the file is present.
// Needs /usr/bin/python3 with numpy (Debian python3-numpy).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const covlasso = require('../dist/cjs');

const { mulberry32 } = require('../dist/cjs/random');
const PYTHON = '/usr/bin/python3';
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const repeats = Number(arg('repeats', '3'));
const shapes = arg('shapes', '100000x1000,8000x1000').split(',').map((s) => s.split('x').map(Number));

function logits(n, c, seed) {
  const u = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const offset = Float64Array.from({ length: c }, () => 6 * u() - 3);
  const load = Float64Array.from({ length: c }, () => u());
  const x = new Float32Array(n * c);
  for (let r = 0; r < n; r++) {
    const f = gauss();
    for (let j = 0; j < c; j++) x[r * c + j] = offset[j] + load[j] * f + gauss();
  }
  return x;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeOurs(X) {
  covlasso.covarianceSync(X); // warm-up (page faults, thread pool)
  const times = [];
  let S;
  for (let k = 0; k < repeats; k++) {
    const t = process.hrtime.bigint();
    S = covlasso.covarianceSync(X);
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  return { seconds: median(times), S };
}

const PY = `
import sys, time, json, numpy as np
x = np.load(sys.argv[1]); ours32 = np.load(sys.argv[2]); ours64 = np.load(sys.argv[3]); reps = int(sys.argv[4])
def t(a):
    a.T @ a
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); s = a.T @ a; ts.append(time.perf_counter() - t0)
    return sorted(ts)[len(ts) // 2], s
t32, s32 = t(x)
x64 = x.astype(np.float64)
t64, s64 = t(x64)
ref = s64 / x.shape[0]
den = np.abs(ref).max()
err = lambda s: float(np.abs(s - ref).max() / den)
print(json.dumps({"numpy32": t32, "numpy64": t64, "err_ours32": err(ours32), "err_ours64": err(ours64),
                  "err_numpy32": err(s32.astype(np.float64) / x.shape[0])}))
`;

function compare(name, X32) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-kbench-'));
  try {
    const [n, c] = [X32.rows, X32.cols];
    covlasso.writeNpySync(path.join(dir, 'x.npy'), { dtype: 'float32', shape: [n, c], data: X32.data });
    const X64 = new covlasso.Matrix(n, c, Float64Array.from(X32.data));
    const a32 = timeOurs(X32);
    const a64 = timeOurs(X64);
    covlasso.writeNpySync(path.join(dir, 's32.npy'), { dtype: 'float64', shape: [c, c], data: a32.S.data });
    covlasso.writeNpySync(path.join(dir, 's64.npy'), { dtype: 'float64', shape: [c, c], data: a64.S.data });
    fs.writeFileSync(path.join(dir, 'peer.py'), PY);
    const peer = JSON.parse(execFileSync(PYTHON, [path.join(dir, 'peer.py'), ...['x', 's32', 's64'].map((f) => path.join(dir, `${f}.npy`)), String(repeats)], { encoding: 'utf8', maxBuffer: 1 << 20 }));
    // ours again after the peer, so a change of load during the run shows up in both
    const b32 = timeOurs(X32).seconds;
    const b64 = timeOurs(X64).seconds;
    const flops = n * c * c;
    const row = (dt, ours, np_, err, errNp) =>
      `${name.padEnd(22)} ${dt}  covlasso ${ours.toFixed(3)} s (${(flops / ours / 1e9).toFixed(0)} GFLOP/s)  numpy ${np_.toFixed(3)} s (${(flops / np_ / 1e9).toFixed(0)} GFLOP/s)  ratio ${(ours / np_).toFixed(2)}x  err ${err.toExponential(1)}${errNp === undefined ? '' : ` (numpy f32 ${errNp.toExponential(1)})`}`;
    console.log(row('f32', Math.min(a32.seconds, b32), peer.numpy32, peer.err_ours32, peer.err_numpy32));
    console.log(row('f64', Math.min(a64.seconds, b64), peer.numpy64, peer.err_ours64));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`covlasso covariance (second moment, threads = ${os.cpus().length}) vs numpy X.T @ X; repeats ${repeats}, median; ` +
  'err = max|S − S_ref| / max|S_ref|, S_ref = float64 X.T @ X / N of the same (float32) data; GFLOP/s counts N·C² flops');
for (const [n, c] of shapes) compare(`synthetic ${n}x${c}`, new covlasso.Matrix(n, c, logits(n, c, 1234 + n + c)));
const cjk = path.join(__dirname, '..', '..', 'shared', 'data', 'cjk1000', 'logits.npy');
if (!process.argv.includes('--no-cjk') && fs.existsSync(cjk)) {
  const a = covlasso.readNpySync(cjk);
  const rows = Math.min(8000, a.shape[0]);
  compare(`cjk1000 ${rows}x${a.shape[1]}`, new covlasso.Matrix(rows, a.shape[1], a.data.subarray(0, rows * a.shape[1])));
}

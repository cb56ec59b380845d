#!/usr/bin/env node
// The covariance kernel against the best-configured OpenBLAS (numpy's X.T @ X), float32 and
// float64, timed side by side in one run on the same data, with the accuracy of covlasso's
// float32 paths against a float64 reference. Issue #12's targets: float32 and float64 at least
// 1.0× the peer's speed, the AMX path (where the CPU has it) at least 2× the peer's float32,
// float32 error ≤ 1e-7 of max|S|.
//
//   npm run build:native && npm run build:ts
//   node bench/covariance-kernel.js [--shapes 100000x1000,8000x1000] [--repeats 3] [--rounds 3]
//        [--no-cjk] [--pythons /usr/bin/python3,python3] [--coretypes ,Haswell,SkylakeX,...]
//        [--probe-rows 20000]
//
// The peer: OpenBLAS picks its kernels from the CPU it recognises; Debian's 0.3.21 does not know
// recent Xeons and falls back to Prescott (~8× slower) unless OPENBLAS_CORETYPE is set. So every
// numpy found (each --pythons entry that imports numpy) is tried with OPENBLAS_CORETYPE unset and
// set to each --coretypes entry (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from the
// environment first), on the first --probe-rows rows of the first problem, median of 5; the
// fastest per dtype is the peer, and its kernel (threadpoolctl's "architecture", or
// openblas_get_corename) is printed with every row.
//
// Data: deterministic (mulberry32 + Box-Muller), logit-like: per-column offsets in [-3, 3],
// a shared factor and unit noise; the cjk1000 logits (rows 0..7999) when the file is present.
// covlasso paths: the default (COVLASSO_SIMD unset) and every forced path that this CPU runs and
// that differs from it ("amx", "avx512-1port", "avx512-2port"). Times: --rounds rounds, each timing --repeats runs of
// every covlasso path and then of the peer (a change of load shows up on both sides); the medians
// over all rounds are reported. Speed ratio = peer time / covlasso time (> 1: covlasso faster).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const covlasso = require('../dist/cjs');

const { mulberry32 } = require('../dist/cjs/random');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const repeats = Number(arg('repeats', '3'));
const rounds = Number(arg('rounds', '3'));
const shapes = arg('shapes', '100000x1000,8000x1000').split(',').map((s) => s.split('x').map(Number));
const pythons = arg('pythons', '/usr/bin/python3,python3').split(',');
const coretypes = arg('coretypes', ',Haswell,SkylakeX,Cooperlake,SapphireRapids,Zen').split(',');
const probeRows = Number(arg('probe-rows', '20000'));

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

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

// ---- the peer ----

const PEER = String.raw`
import sys, os, time, json, ctypes
import numpy as np
def kernel():
    try:
        import threadpoolctl
        for i in threadpoolctl.threadpool_info():
            if i.get('internal_api') == 'openblas':
                return '%s (OpenBLAS %s, %s threads)' % (i.get('architecture'), i.get('version'), i.get('num_threads'))
    except Exception:
        pass
    for lib in sorted(set(l.split()[-1] for l in open('/proc/self/maps') if 'openblas' in l.lower())):
        try:
            so = ctypes.CDLL(lib)
        except OSError:
            continue
        for sym in ('openblas_get_corename', 'scipy_openblas_get_corename64_', 'openblas_get_corename64_'):
            f = getattr(so, sym, None)
            if f is not None:
                f.restype = ctypes.c_char_p
                return '%s (%s)' % (f().decode(), os.path.basename(lib))
    return 'unknown BLAS'
mode, xfile, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
x = np.load(xfile)
if len(sys.argv) > 4 and int(sys.argv[4]) > 0:
    x = x[:int(sys.argv[4])]
def t(a):
    a.T @ a
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); s = a.T @ a; ts.append(time.perf_counter() - t0)
    return sorted(ts)[len(ts) // 2], s
out = {'kernel': kernel(), 'numpy': np.__version__}
if mode in ('probe', 'f32'):
    out['f32'], s32 = t(x)
if mode in ('probe', 'f64', 'f64time'):
    out['f64'], s64 = t(x.astype(np.float64))
if mode == 'f64':  # errors of every S given, against float64 X.T @ X / N of the same data
    ref = s64 / x.shape[0]
    den = np.abs(ref).max()
    out['err'] = {os.path.basename(f)[:-4]: float(np.abs(np.load(f) - ref).max() / den) for f in sys.argv[5:]}
if mode == 'f32':
    out['s32'] = xfile[:-4] + '.numpy32.npy'
    np.save(out['s32'], s32.astype(np.float64) / x.shape[0])
print(json.dumps(out))
`;

function peerEnv(coretype) {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (coretype) env.OPENBLAS_CORETYPE = coretype;
  return env;
}

function runPeer(cfg, dir, args) {
  const out = execFileSync(cfg.python, [path.join(dir, 'peer.py'), ...args], { env: peerEnv(cfg.coretype), encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop());
}

// Tries every numpy × OPENBLAS_CORETYPE on the first probeRows rows of xfile; returns the
// fastest configuration per dtype.
function choosePeer(dir, xfile) {
  const seen = new Set();
  const tried = [];
  for (const python of pythons) {
    try {
      execFileSync(python, ['-c', 'import numpy'], { stdio: 'ignore' });
    } catch {
      continue;
    }
    const real = execFileSync(python, ['-c', 'import sys, numpy; print(sys.executable, numpy.__file__)'], { encoding: 'utf8' }).trim();
    if (seen.has(real)) continue;
    seen.add(real);
    for (const coretype of coretypes) {
      const cfg = { python, coretype };
      const r = runPeer(cfg, dir, ['probe', xfile, '5', String(probeRows)]);  // median of 5
      tried.push({ ...cfg, ...r });
      console.log(`  probe ${python} OPENBLAS_CORETYPE=${coretype || '(unset)'}: kernel ${r.kernel}, numpy ${r.numpy}: f32 ${r.f32.toFixed(3)} s, f64 ${r.f64.toFixed(3)} s`);
    }
  }
  if (tried.length === 0) throw new Error(`no numpy found among ${pythons.join(', ')} (Debian: apt-get install python3-numpy python3-threadpoolctl)`);
  const best = (dt) => tried.reduce((a, b) => (b[dt] < a[dt] ? b : a));
  return { f32: best('f32'), f64: best('f64') };
}

// ---- covlasso ----

function withPath(simd, fn) {
  const saved = process.env.COVLASSO_SIMD;
  if (simd === undefined) delete process.env.COVLASSO_SIMD;
  else process.env.COVLASSO_SIMD = simd;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.COVLASSO_SIMD;
    else process.env.COVLASSO_SIMD = saved;
  }
}

const kernelName = () => {
  const cpu = covlasso.backends().find((b) => b.name === 'cpu');
  const m = /, (.*) covariance kernel/.exec(cpu ? cpu.detail : '');
  return m ? m[1] : 'unknown';
};

// Our paths: the default, then the forced ones this CPU runs that differ from it (both AVX-512
// blockings: which one the CPU's FMA pipes favour is a guess from its family, measured here).
function ourPaths() {
  const paths = [{ simd: undefined, name: withPath(undefined, kernelName) }];
  for (const simd of ['amx', 'avx512-1port', 'avx512-2port']) {
    const name = withPath(simd, kernelName);
    if (!paths.some((p) => p.name === name) && name.startsWith(simd)) paths.push({ simd, name });
  }
  return paths;
}

function timeOurs(X, simd, times) {
  return withPath(simd, () => {
    covlasso.covarianceSync(X); // warm-up (page faults, thread pool, a path switch)
    let S;
    for (let k = 0; k < repeats; k++) {
      const t = process.hrtime.bigint();
      S = covlasso.covarianceSync(X);
      times.push(Number(process.hrtime.bigint() - t) / 1e9);
    }
    return S;
  });
}

function compare(name, X32, peer, dir) {
  const [n, c] = [X32.rows, X32.cols];
  const xfile = path.join(dir, 'x.npy');
  covlasso.writeNpySync(xfile, { dtype: 'float32', shape: [n, c], data: X32.data });
  const X64 = new covlasso.Matrix(n, c, Float64Array.from(X32.data));
  const runs = [...ourPaths().map((p) => ({ ...p, X: X32, dtype: 'f32' })), { simd: undefined, name: withPath(undefined, kernelName), X: X64, dtype: 'f64' }];
  for (const r of runs) r.times = [];
  const peerTimes = { f32: [], f64: [] };
  const loadBefore = load();
  let p32;
  let p64;
  for (let round = 0; round < rounds; round++) {
    for (const r of runs) r.S = timeOurs(r.X, r.simd, r.times);
    p32 = runPeer(peer.f32, dir, ['f32', xfile, String(repeats)]);
    peerTimes.f32.push(p32.f32);
    if (round < rounds - 1) {
      p64 = runPeer(peer.f64, dir, ['f64time', xfile, String(repeats)]);
    } else {  // the last round also measures the errors of every S against float64 X.T @ X / N
      for (const r of runs) {
        r.file = path.join(dir, `${r.dtype}_${r.name}.npy`);
        covlasso.writeNpySync(r.file, { dtype: 'float64', shape: [c, c], data: r.S.data });
      }
      p64 = runPeer(peer.f64, dir, ['f64', xfile, String(repeats), '0', ...runs.map((r) => r.file), p32.s32]);
    }
    peerTimes.f64.push(p64.f64);
  }
  const loadAfter = load();
  const flops = n * c * c;
  const gf = (s) => (flops / s / 1e9).toFixed(0);
  console.log(`\n${name}: load ${loadBefore} → ${loadAfter}`);
  for (const r of runs) {
    const ours = median(r.times);
    const p = r.dtype === 'f32' ? p32 : p64;
    const pt = median(peerTimes[r.dtype]);
    const err = p64.err[path.basename(r.file, '.npy')];
    const target = r.name === 'amx' ? 2 : 1;
    console.log(
      `  ${r.dtype} covlasso ${r.name.padEnd(13)} ${ours.toFixed(3)} s (${gf(ours)} GFLOP/s)  peer ${pt.toFixed(3)} s (${gf(pt)} GFLOP/s, ${p.kernel})  ` +
        `speed ${(pt / ours).toFixed(2)}× (target ≥ ${target}×)  err ${err.toExponential(1)}` +
        (r.dtype === 'f32' ? ` (numpy f32 ${p64.err[path.basename(p32.s32, '.npy')].toExponential(1)})` : ''),
    );
  }
}

console.log(`covlasso covariance (second moment, threads = ${os.cpus().length}) vs numpy X.T @ X on ${os.cpus()[0].model}; ` +
  `medians of ${rounds} rounds × ${repeats} runs; err = max|S − S_ref| / max|S_ref|, S_ref = float64 X.T @ X / N of the same ` +
  'float32 data; GFLOP/s counts N·C² flops');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-kbench-'));
try {
  fs.writeFileSync(path.join(dir, 'peer.py'), PEER);
  const problems = shapes.map(([n, c]) => ({ name: `synthetic ${n}x${c}`, X: new covlasso.Matrix(n, c, logits(n, c, 1234 + n + c)) }));
  const cjk = path.join(__dirname, '..', '..', 'shared', 'data', 'cjk1000', 'logits.npy');
  if (!process.argv.includes('--no-cjk') && fs.existsSync(cjk)) {
    const a = covlasso.readNpySync(cjk);
    const rows = Math.min(8000, a.shape[0]);
    problems.push({ name: `cjk1000 ${rows}x${a.shape[1]}`, X: new covlasso.Matrix(rows, a.shape[1], a.data.subarray(0, rows * a.shape[1])) });
  }
  const first = problems[0].X;
  covlasso.writeNpySync(path.join(dir, 'probe.npy'), { dtype: 'float32', shape: [first.rows, first.cols], data: first.data });
  console.log(`choosing the peer (load ${load()}):`);
  const peer = choosePeer(dir, path.join(dir, 'probe.npy'));
  for (const dt of ['f32', 'f64']) {
    console.log(`peer ${dt}: ${peer[dt].python} OPENBLAS_CORETYPE=${peer[dt].coretype || '(unset)'} → ${peer[dt].kernel}`);
  }
  for (const p of problems) compare(p.name, p.X, peer, dir);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

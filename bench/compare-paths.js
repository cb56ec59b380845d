#!/usr/bin/env node
// Full-path peer comparison, measured in one run on the same machine: covlasso's covLassoPath
// (K λ per target from λ_max(t) down to ratioMin·λ_max(t), log-spaced, warm-started) against
// R's glmnet (looped over targets, on exactly our λ values), R's huge(method = "mb") (on the
// correlation matrix, one shared λ sequence; covlasso solves that same problem for the ratio)
// and, optionally, scikit-learn's lasso_path with the Gram precomputed.
//
//   node bench/compare-paths.js [--logits file.npy] [--rows 0:8000] [--n-lambda 100]
//        [--ratio-min 1e-3] [--tol 1e-6] [--glmnet-targets 0:1000:10] [--glmnet-thresh 1e-7,1e-10]
//        [--sk-targets 0:20] [--skip glmnet,huge,sklearn,single] [--out bench/results/compare-paths.json]
//
// Targets lists: "a:b" or "a:b:step" (0-based, half-open), or "all".
// Needs Rscript with glmnet and huge (Debian: r-base-core r-cran-glmnet r-cran-huge), and
// /usr/bin/python3 with scikit-learn for the sklearn row. Writes bench/results/compare-paths.json
// (or --out).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const covlasso = require('../dist/cjs');
const { cjkDir } = require('./problems');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function parseTargets(text, c) {
  if (text === 'all') return Array.from({ length: c }, (_, i) => i);
  const [a, b, step = '1'] = text.split(':');
  const out = [];
  for (let t = Number(a || 0); t < Math.min(Number(b || c), c); t += Number(step)) out.push(t);
  return out;
}

function seconds(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { seconds: seconds(t0), value };
}

function writeF64(file, values) {
  const a = Float64Array.from(values);
  fs.writeFileSync(file, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
}

function have(cmd, args) {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function sum(a) {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

async function main() {
  const file = option('logits', path.join(cjkDir, 'logits.npy'));
  const rows = option('rows', '0:8000');
  const K = Number(option('n-lambda', '100'));
  const ratioMin = Number(option('ratio-min', '1e-3'));
  const tol = Number(option('tol', '1e-6'));
  const skip = new Set(option('skip', '').split(',').filter(Boolean));
  const glmnetThresh = option('glmnet-thresh', '1e-7,1e-10');
  const [r0, r1] = rows.split(':').map(Number);
  const all = covlasso.readNpySync(file);
  const C = all.shape[1];
  const N = r1 - r0;
  const X = new covlasso.Matrix(N, C, all.data.subarray(r0 * C, r1 * C));
  const glmnetTargets = parseTargets(option('glmnet-targets', '0:1000:10'), C);
  const skTargets = parseTargets(option('sk-targets', '0:20'), C);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-paths-'));
  const results = {
    machine: `${os.cpus()[0].model}, ${os.cpus().length} threads`,
    node: process.version,
    problem: `${file} rows ${rows}, second moment, ${K} λ from λ_max to ${ratioMin}·λ_max, tol ${tol}`,
    commit: (() => { try { return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: __dirname, encoding: 'utf8' }).trim(); } catch { return null; } })(),
    addon: (() => {
      const f = path.join(__dirname, '..', 'build', 'Release', 'covlasso.node');
      try {
        const sha = require('node:crypto').createHash('sha1').update(fs.readFileSync(f)).digest('hex').slice(0, 12);
        return `build/Release/covlasso.node ${fs.statSync(f).mtime.toISOString()} sha1 ${sha}`;
      } catch { return null; }
    })(),
    loadavgStart: loadavg(),
    startedAt: new Date().toISOString(),
    rows: [],
  };
  const log = (msg) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg} (load ${loadavg()})`);
  const row = (job, ours, peer, peerName, note = '') => {
    results.rows.push({ job, covlasso: ours, peer, peerName, ratio: peer != null ? peer / ours : null, note });
  };

  const S = await covlasso.covariance(X);
  const Sd = S.data;
  const diag = (i) => Sd[i * C + i];
  const pathOptions = { nLambda: K, ratioMin, tol };
  const certified = (r) => `${sum(r.converged)}/${r.converged.length}`;

  // --- covlasso: all targets, both threads (and one thread, since every peer here is serial)
  log('covlasso path, all targets');
  const full = await timed(() => covlasso.covLassoPath(S, pathOptions));
  results.covlassoAll = { seconds: full.seconds, certified: certified(full.value), threads: 'default' };
  let full1 = null;
  if (!skip.has('single')) {
    log('covlasso path, all targets, 1 thread');
    full1 = await timed(() => covlasso.covLassoPath(S, { ...pathOptions, threads: 1 }));
    results.covlassoAll1 = { seconds: full1.seconds, certified: certified(full1.value), threads: 1 };
  }
  const P = full.value;
  const ours = (t, l) => P.objective[t * K + l]; // targets are 0..C-1 in order

  const haveR = have('Rscript', ['-e', 'library(glmnet); library(huge)']);
  const rScript = path.join(__dirname, 'peer_r.R');
  if (haveR) {
    fs.writeFileSync(path.join(tmp, 'params.txt'), `n ${N}\nc ${C}\nk ${K}\n`);
    writeF64(path.join(tmp, 'S.f64'), Sd);
  }

  // --- glmnet on a subset of targets, our exact λ values
  if (haveR && !skip.has('glmnet')) {
    writeF64(path.join(tmp, 'X.f64'), X.data);
    fs.writeFileSync(path.join(tmp, 'glmnet_targets.txt'), glmnetTargets.join('\n') + '\n');
    const lam = new Float64Array(glmnetTargets.length * K);
    glmnetTargets.forEach((t, k) => lam.set(P.lambda.subarray(t * K, (t + 1) * K), k * K));
    writeF64(path.join(tmp, 'glmnet_lambdas.f64'), lam);
    log(`covlasso path, the ${glmnetTargets.length} glmnet targets`);
    const sub = await timed(() => covlasso.covLassoPath(S, { ...pathOptions, targets: glmnetTargets }));
    const sub1 = await timed(() => covlasso.covLassoPath(S, { ...pathOptions, targets: glmnetTargets, threads: 1 }));
    results.glmnet = [];
    for (const thresh of glmnetThresh.split(',')) {
      log(`glmnet, ${glmnetTargets.length} targets, thresh ${thresh}`);
      const out = path.join(tmp, 'glmnet.json');
      execFileSync('Rscript', [rScript, tmp, '--peer', 'glmnet', '--thresh', thresh, '--out', out], { stdio: ['ignore', 'inherit', 'inherit'] });
      const g = JSON.parse(fs.readFileSync(out, 'utf8')).glmnet;
      let worse = 0;
      let maxOursMinusTheirs = -Infinity;
      let maxTheirsMinusOurs = -Infinity;
      let pairs = 0;
      let shortPaths = 0;
      let lamErr = 0;
      for (const rec of g.targets) {
        const t = rec.target;
        if (rec.nLambda < K) shortPaths++;
        lamErr = Math.max(lamErr, rec.lambdaRelErr);
        rec.objective.forEach((theirs, l) => {
          if (theirs == null) return;
          pairs++;
          const d = (ours(t, l) - theirs) / diag(t);
          if (d > 1e-6) worse++;
          maxOursMinusTheirs = Math.max(maxOursMinusTheirs, d);
          maxTheirsMinusOurs = Math.max(maxTheirsMinusOurs, -d);
        });
      }
      const perTarget = g.seconds / glmnetTargets.length;
      results.glmnet.push({
        version: g.version, thresh: g.thresh, targets: glmnetTargets.length, seconds: g.seconds,
        covlassoSubsetSeconds: sub.seconds, covlassoSubsetSeconds1Thread: sub1.seconds,
        pairsCompared: pairs, oursWorseThan1e6: worse, maxOursMinusTheirsOverSii: maxOursMinusTheirs,
        maxTheirsMinusOursOverSii: maxTheirsMinusOurs, shortPaths, targetsWarned: g.targetsWarned,
        maxLambdaRelErr: lamErr, extrapolatedAllTargetsSeconds: perTarget * C,
      });
      const q = `all ${pairs} (target, λ) pairs: ours ≤ glmnet + 1e-6·S_ii on ${pairs - worse}; max (ours − glmnet)/S_ii = ${maxOursMinusTheirs.toExponential(1)}, max (glmnet − ours)/S_ii = ${maxTheirsMinusOurs.toExponential(1)}; glmnet paths cut short: ${shortPaths}, warned: ${g.targetsWarned}`;
      const name = `glmnet ${g.version} type.gaussian="covariance", thresh ${thresh}, looped`;
      row(`path, ${glmnetTargets.length} targets (${option('glmnet-targets', '0:1000:10')}), covlasso both threads`, sub.seconds, g.seconds, name, q);
      row(`path, ${glmnetTargets.length} targets, covlasso 1 thread`, sub1.seconds, g.seconds, name, '');
      row(`path, all ${C} targets (glmnet extrapolated ×${(C / glmnetTargets.length).toFixed(0)})`, full.seconds, perTarget * C, name + ', extrapolated', '');
    }
  }

  // --- huge(method = "mb"): correlation matrix, one shared λ sequence; covlasso on the same problem
  if (haveR && !skip.has('huge')) {
    const R = new Float64Array(C * C);
    for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) R[i * C + j] = Sd[i * C + j] / Math.sqrt(diag(i) * diag(j));
    let lamMax = 0;
    for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) if (i !== j) lamMax = Math.max(lamMax, Math.abs(R[i * C + j]));
    const hugeLam = Array.from({ length: K }, (_, l) => lamMax * Math.pow(ratioMin, l / (K - 1)));
    const check = [0, 9, 24, 49, 74, 89, 99].filter((l) => l < K);
    writeF64(path.join(tmp, 'huge_lambdas.f64'), hugeLam);
    fs.writeFileSync(path.join(tmp, 'huge_check.txt'), check.join('\n') + '\n');
    const Rm = new covlasso.Matrix(C, C, R);
    log('covlasso path on the correlation matrix, shared λs (huge\'s problem)');
    const hc = await timed(() => covlasso.covLassoPath(Rm, { lambdas: hugeLam, tol }));
    const hc1 = await timed(() => covlasso.covLassoPath(Rm, { lambdas: hugeLam, tol, threads: 1 }));
    log('huge mb, all targets');
    const out = path.join(tmp, 'huge.json');
    execFileSync('Rscript', [rScript, tmp, '--peer', 'huge', '--out', out], { stdio: ['ignore', 'inherit', 'inherit'] });
    const h = JSON.parse(fs.readFileSync(out, 'utf8')).huge;
    let worse = 0;
    let pairs = 0;
    let maxOursMinusTheirs = -Infinity;
    let maxTheirsMinusOurs = -Infinity;
    for (const rec of h.targets) {
      check.forEach((l, c) => {
        const d = hc.value.objective[rec.target * K + l] - rec.objective[c]; // R_tt = 1
        pairs++;
        if (d > 1e-6) worse++;
        maxOursMinusTheirs = Math.max(maxOursMinusTheirs, d);
        maxTheirsMinusOurs = Math.max(maxTheirsMinusOurs, -d);
      });
    }
    results.huge = {
      version: h.version, seconds: h.seconds, secondsCore: h.secondsCore, lambdaMaxCorrelation: lamMax, checkIndices: check,
      covlassoSeconds: hc.seconds, covlassoSeconds1Thread: hc1.seconds, covlassoCertified: certified(hc.value),
      pairsCompared: pairs, oursWorseThan1e6: worse, maxOursMinusTheirs, maxTheirsMinusOurs,
    };
    const q = `huge's problem (correlation R, shared λ from max|R_ij| = ${lamMax.toFixed(3)} to ${ratioMin}×); covlasso certified ${results.huge.covlassoCertified}; objective at λ indices ${check.join(',')} for all ${C} targets (${pairs} pairs): ours ≤ huge + 1e-6 on ${pairs - worse}; max (ours − huge) = ${maxOursMinusTheirs.toExponential(1)}, max (huge − ours) = ${maxTheirsMinusOurs.toExponential(1)}`;
    row(`huge's path problem, all ${C} targets, both threads`, hc.seconds, h.seconds, `huge ${h.version} method="mb", scr=FALSE`, q);
    row(`huge's path problem, all ${C} targets, covlasso 1 thread`, hc1.seconds, h.seconds, `huge ${h.version} (serial)`, '');
    row(`huge's path problem, all ${C} targets, covlasso both threads`, hc.seconds, h.secondsCore, `huge ${h.version} solver only (.Call SPMBgraph, no R summary)`, '');
    row(`huge's path problem, all ${C} targets, covlasso 1 thread`, hc1.seconds, h.secondsCore, `huge ${h.version} solver only`, '');
  }

  // --- scikit-learn lasso_path (Gram precomputed) on a few targets
  if (!skip.has('sklearn') && have('/usr/bin/python3', ['-c', 'import sklearn, numpy'])) {
    const spec = option('sk-targets', '0:20');
    log(`covlasso path, the ${skTargets.length} sklearn targets`);
    const sub = await timed(() => covlasso.covLassoPath(S, { ...pathOptions, targets: skTargets }));
    log(`sklearn lasso_path, ${skTargets.length} targets`);
    const out = path.join(tmp, 'sk.json');
    execFileSync('/usr/bin/python3', [path.join(__dirname, 'peer_sklearn.py'), file, '--rows', rows, '--path', '--targets', skTargets.join(','),
      '--n-lambdas', String(K), '--ratio-min', String(ratioMin), '--tol', String(tol), '--out', out], { stdio: ['ignore', 'inherit', 'inherit'] });
    const sk = JSON.parse(fs.readFileSync(out, 'utf8'));
    const skSeconds = sk.seconds_total - sk.seconds_gram;
    let worse = 0;
    let maxD = -Infinity;
    for (const rec of sk.targets) {
      const d = (ours(rec.target, K - 1) - rec.objectiveLast) / diag(rec.target);
      if (d > 1e-6) worse++;
      maxD = Math.max(maxD, d);
    }
    const unconv = sk.targets.filter((t) => t.unconverged > 0).length;
    results.sklearn = { version: sk.peer, targets: skTargets.length, seconds: skSeconds, covlassoSubsetSeconds: sub.seconds, unconvergedTargets: unconv, oursWorseAtLastLambda: worse, maxOursMinusTheirsOverSii: maxD, extrapolatedAllTargetsSeconds: (skSeconds / skTargets.length) * C };
    row(`path, ${skTargets.length} targets (${spec})`, sub.seconds, skSeconds, `${sk.peer} lasso_path(precompute=Gram, Xy)`, `sklearn targets with unconverged λ: ${unconv}; at the last λ ours ≤ sklearn + 1e-6·S_ii on ${skTargets.length - worse}/${skTargets.length} (max (ours − sklearn)/S_ii = ${maxD.toExponential(1)})`);
    row(`path, all ${C} targets (sklearn extrapolated ×${(C / skTargets.length).toFixed(0)})`, full.seconds, (skSeconds / skTargets.length) * C, `${sk.peer}, extrapolated`, '');
  }

  results.loadavgEnd = loadavg();
  console.log(`machine: ${results.machine}; node ${results.node}; problem: ${results.problem}`);
  console.log(`covlasso covLassoPath, all ${C} targets: ${full.seconds.toFixed(2)} s (both threads)` + (full1 ? `, ${full1.seconds.toFixed(2)} s (1 thread)` : '') + `; certified ${results.covlassoAll.certified}`);
  console.log(`load average: ${results.loadavgStart} at start, ${results.loadavgEnd} at end`);
  console.log('| job | covlasso (s) | peer (s) | peer / covlasso | peer | quality |');
  console.log('| --- | ---: | ---: | ---: | --- | --- |');
  for (const r of results.rows) {
    console.log(`| ${r.job} | ${r.covlasso.toFixed(3)} | ${r.peer == null ? 'n/a' : r.peer.toFixed(2)} | ${r.ratio == null ? 'n/a' : r.ratio.toFixed(1) + '×'} | ${r.peerName} | ${r.note} |`);
  }
  const outFile = option('out', path.join(__dirname, 'results', 'compare-paths.json'));
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, JSON.stringify(results, null, 2));
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

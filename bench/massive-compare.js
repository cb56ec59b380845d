#!/usr/bin/env node
// Old vs new solver on one large head-logits problem (issue #10), in one process so both see the
// same S and the same load: solves alternate old, new, new, old, ... and the script reports
// median seconds, certified counts, and the worst objective excess of new over old in units of
// S_tt (the acceptance bound is 1e-6).
//
//   node bench/massive-compare.js <oldDir> <newDir> [--categories 5000] [--rows 4000]
//        [--rounds 1] [--path 0 (targets of a 100-λ path instead of the single λ ratio 0.1)]
'use strict';
const os = require('node:os');
const path = require('node:path');

const [oldDir, newDir] = process.argv.slice(2, 4).map((d) => path.resolve(d));
const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const C = option('categories', 5000);
const N = option('rows', 4000);
const rounds = option('rounds', 1);
const pathTargets = option('path', 0);
const builds = { old: require(oldDir + '/dist/cjs'), new: require(newDir + '/dist/cjs') };
const { headLogits } = require(newDir + '/bench/problems');

const S64 = builds.new.covarianceSync(headLogits(N, C, 512, 42));
const S = {};
for (const k of Object.keys(builds)) S[k] = new builds[k].Matrix(C, C, S64.data);
const targets = pathTargets > 0 ? Int32Array.from({ length: pathTargets }, (_, i) => Math.floor((i * C) / pathTargets)) : undefined;
const solve = (k) => {
  const t = process.hrtime.bigint();
  const r = pathTargets > 0 ? builds[k].covLassoPathSync(S[k], { targets }) : builds[k].covLassoSync(S[k], { lambdaRatio: 0.1 });
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, r };
};
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const cpu = os.cpus()[0].model;
console.log(`# ${new Date().toISOString()} ${cpu}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; C=${C} N=${N} ${pathTargets > 0 ? `path of ${pathTargets} targets` : 'λ ratio 0.1'}`);
const times = { old: [], new: [] };
let last = {};
for (let round = 0; round < rounds; round++) {
  for (const k of round % 2 ? ['new', 'old'] : ['old', 'new']) {
    const { seconds, r } = solve(k);
    times[k].push(seconds);
    last[k] = r;
    console.log(`  round ${round} ${k}: ${seconds.toFixed(2)} s`);
  }
}
const n = last.old.objective.length;
let worst = -Infinity, certified = { old: 0, new: 0 }, iters = { old: 0, new: 0 };
for (let i = 0; i < n; i++) {
  const t = pathTargets > 0 ? targets[Math.floor(i / (n / pathTargets))] : i;
  const stt = S64.data[t * C + t];
  if (!Number.isNaN(last.new.objective[i]) && !Number.isNaN(last.old.objective[i])) worst = Math.max(worst, (last.new.objective[i] - last.old.objective[i]) / stt);
  for (const k of ['old', 'new']) { certified[k] += last[k].converged[i]; iters[k] += last[k].iterations[i]; }
}
console.log(JSON.stringify({ cpu, C, N, path: pathTargets, solves: n, oldSeconds: median(times.old), newSeconds: median(times.new),
  speedup: median(times.old) / median(times.new), certified, sweeps: iters, worstObjectiveExcessOverStt: worst,
  loadEnd: os.loadavg().map((l) => +l.toFixed(2)) }));

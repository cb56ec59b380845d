#!/usr/bin/env node
// A/B timing of two builds of covlasso on the `npm run bench` problems, interleaved in one run
// (each case alternates A, B, A, B, ... in fresh child processes' warm loops), so load drifts hit
// both alike. Prints medians and B/A per case.
//
//   node bench/ab.js <dirA> <dirB> [--rounds 5] [--cases covariance,covLasso]
// where each dir is a covlasso checkout with dist/ and its native build.
'use strict';
const { execFileSync } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');

const [dirA, dirB] = process.argv.slice(2, 4).map((d) => path.resolve(d));
const flag = (name, fallback) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : fallback);
const rounds = Number(flag('rounds', '5'));
const only = flag('cases', '').split(',').filter(Boolean);

const child = `
const covlasso = require(process.argv[1] + '/dist/cjs');
const { headLogits, cjkLogits } = require(process.argv[2] + '/bench/problems');
const which = process.argv[3];
const reps = 3;
const cases = {
  'covariance f32 8000x1000': () => { const X = headLogits(8000, 1000, 256, 1); return () => covlasso.covarianceSync(X); },
  'covariance f32 50000x200': () => { const X = headLogits(50000, 200, 64, 2); return () => covlasso.covarianceSync(X); },
  'covariance f64 20000x500': () => { const m = headLogits(20000, 500, 128, 3); const X = new covlasso.Matrix(m.rows, m.cols, Float64Array.from(m.data)); return () => covlasso.covarianceSync(X); },
  'covLasso C=300 ratio 0.1': () => { const S = covlasso.covarianceSync(headLogits(4000, 300, 64, 4)); return () => covlasso.covLassoSync(S, { lambdaRatio: 0.1 }); },
  'covLasso C=1000 ratio 0.1': () => { const S = covlasso.covarianceSync(headLogits(8000, 1000, 256, 5)); return () => covlasso.covLassoSync(S, { lambdaRatio: 0.1 }); },
  'covLasso cjk1000 ratio 0.1': () => { const X = cjkLogits(); if (!X) return null; const S = covlasso.covarianceSync(X); return () => covlasso.covLassoSync(S, { lambdaRatio: 0.1 }); },
  'covLassoPath C=300 100 λ': () => { const S = covlasso.covarianceSync(headLogits(4000, 300, 64, 4)); return () => covlasso.covLassoPathSync(S); },
};
const run = cases[which]();
if (!run) { console.log('null'); process.exit(0); }
run();
const times = [];
for (let i = 0; i < reps; i++) { const t = process.hrtime.bigint(); run(); times.push(Number(process.hrtime.bigint() - t) / 1e6); }
console.log(Math.min(...times));
`;

const names = ['covariance f32 8000x1000', 'covariance f32 50000x200', 'covariance f64 20000x500', 'covLasso C=300 ratio 0.1', 'covLasso C=1000 ratio 0.1', 'covLasso cjk1000 ratio 0.1', 'covLassoPath C=300 100 λ'];
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
console.log(`# ${os.cpus()[0].model}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${rounds} rounds`);
console.log('| case | A (ms) | B (ms) | B / A |\n| --- | ---: | ---: | ---: |');
for (const name of names.filter((n) => only.length === 0 || only.some((o) => n.startsWith(o)))) {
  const a = [], b = [];
  for (let r = 0; r < rounds; r++) {
    for (const [dir, out] of r % 2 ? [[dirB, b], [dirA, a]] : [[dirA, a], [dirB, b]]) {
      const v = execFileSync(process.execPath, ['-e', child, dir, dirA, name], { encoding: 'utf8' }).trim();
      if (v !== 'null') out.push(Number(v));
    }
  }
  if (a.length === 0) continue;
  console.log(`| ${name} | ${median(a).toFixed(1)} | ${median(b).toFixed(1)} | ${(median(b) / median(a)).toFixed(3)} |`);
}
console.log(`# load at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

#!/usr/bin/env node
// The eigen-diagnostics at massive C (issue #10): the covariance of a width-d linear head's
// logits (rank ≤ d + 1), then the range eigensolver (spectrum of the range, numerical rank, best
// achievable errors), and optionally the full dependencyDiagnostics (which adds every lasso);
// with --check-dense (C ≤ 3000) the dense solver on the same S for comparison.
//
//   node bench/diagnose.js [--categories 20000] [--rows 4000] [--width 512] [--threads 2]
//                          [--full] [--check-dense]
'use strict';
const os = require('node:os');
const covlasso = require('../dist/cjs');
const { headLogits } = require('./problems');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const flag = (name) => process.argv.includes(`--${name}`);
const seconds = (t) => Number(process.hrtime.bigint() - t) / 1e9;

async function main() {
  const C = option('categories', 20000);
  const N = option('rows', 4000);
  const width = option('width', 512);
  const threads = option('threads', undefined);
  const out = { cpu: os.cpus()[0].model, threads: threads ?? os.cpus().length, categories: C, rows: N, width };
  let t = process.hrtime.bigint();
  const X = headLogits(N, C, width, 42);
  out.generateSeconds = seconds(t);
  t = process.hrtime.bigint();
  const S = await covlasso.covariance(X, { threads, center: true, productPrecision: 'float64' });
  out.covarianceSeconds = seconds(t);
  t = process.hrtime.bigint();
  const eig = await covlasso.rangeEigen(S, { threads, initialRank: width + 1 });
  out.rangeEigenSeconds = seconds(t);
  out.subspace = eig.k;
  out.rank = eig.rank;
  out.complete = eig.complete;
  t = process.hrtime.bigint();
  const best = covlasso.bestResidualVariances(eig);
  out.bestErrorSeconds = seconds(t);
  out.exactlyDependent = best.filter((v) => v === 0).length;
  if (flag('check-dense')) {
    t = process.hrtime.bigint();
    const dense = covlasso.symmetricEigen(S.data, C, true, { threads });
    out.denseEigenSeconds = seconds(t);
    out.denseRank = covlasso.numericalRank(dense.values);
    let diff = 0;
    const top = dense.values[C - 1];
    for (let j = eig.k - eig.rank; j < eig.k; j++) diff = Math.max(diff, Math.abs(eig.values[j] - dense.values[C - eig.k + j]) / top);
    out.maxEigenvalueDifferenceRelative = diff;
  }
  if (flag('full')) {
    t = process.hrtime.bigint();
    const d = await covlasso.dependencyDiagnostics(S, { threads, eigensolver: 'range', rankHint: width + 1 });
    out.fullDiagnosticsSeconds = seconds(t);
    out.fullRank = d.rank;
  }
  out.peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify(out, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

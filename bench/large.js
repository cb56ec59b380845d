#!/usr/bin/env node
// Large synthetic problems (issue #4): logits of a width-512 linear head on random ReLU
// features for C categories, then every CovLasso at λ ratio 0.1. Reports the time of each
// stage, certified targets, sources per target and peak memory (RSS).
//
//   node bench/large.js [--categories 5000] [--rows 4000] [--width 512] [--threads 2]
//                       [--backends cpu,cuda]   (each backend on the same logits, one JSON each)
'use strict';
const covlasso = require('../dist/cjs');
const { headLogits } = require('./problems');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function textOption(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function peakRssMiB() {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function main() {
  const C = option('categories', 5000);
  const N = option('rows', 4000);
  const width = option('width', 512);
  const threads = option('threads', undefined);
  const seconds = (t) => Number(process.hrtime.bigint() - t) / 1e9;

  let t = process.hrtime.bigint();
  const X = headLogits(N, C, width, 42);
  const tGen = seconds(t);
  for (const backend of textOption('backends', textOption('backend', 'auto')).split(',')) {
    t = process.hrtime.bigint();
    const S = await covlasso.covariance(X, { threads, backend });
    const tCov = seconds(t);
    const rssAfterCov = peakRssMiB();
    let last = 0;
    t = process.hrtime.bigint();
    const r = await covlasso.covLasso(S, {
      lambdaRatio: 0.1,
      threads,
      backend,
      onProgress: (f) => {
        if (f - last >= 0.1 || f === 1) {
          last = f;
          process.stderr.write(`  ${backend}: ${(100 * f).toFixed(0)}% after ${seconds(t).toFixed(1)} s\n`);
        }
      },
    });
    const tSolve = seconds(t);
    let converged = 0;
    let sweeps = 0;
    let objective = 0;
    for (let k = 0; k < C; k++) {
      converged += r.converged[k];
      sweeps += r.iterations[k];
      objective += r.objective[k];
    }
    const result = {
      backend,
      categories: C,
      rows: N,
      width,
      generateSeconds: tGen,
      covarianceSeconds: tCov,
      solveSeconds: tSolve,
      converged,
      meanSources: r.coef.indptr[C] / C,
      meanSweeps: sweeps / C,
      sumObjective: objective,
      covarianceMiB: Math.round((C * C * 8) / 2 ** 20),
      peakRssMiBAfterCovariance: rssAfterCov,
      peakRssMiB: peakRssMiB(),
    };
    console.log(JSON.stringify(result, null, 2));
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

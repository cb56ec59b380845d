#!/usr/bin/env node
// benny suites for covariance and CovLasso at a few sizes (`npm run bench`).
// Results go to bench/results/<suite>.json (and a table on stdout). Timings are noisy on a
// shared 2-core machine: compare numbers from one run, not across runs.
'use strict';
const path = require('node:path');
const b = require('benny');
const covlasso = require('../dist/cjs');
const { headLogits, cjkLogits } = require('./problems');

const folder = path.join(__dirname, 'results');
const heavy = { minSamples: 3, maxTime: 3 };

async function main() {
  const cov = [
    ['f32 8000x1000', headLogits(8000, 1000, 256, 1)],
    ['f32 50000x200', headLogits(50000, 200, 64, 2)],
    ['f64 20000x500', toF64(headLogits(20000, 500, 128, 3))],
  ];
  await b.suite(
    'covariance',
    ...cov.map(([name, X]) => b.add(name, async () => { await covlasso.covariance(X); }, heavy)),
    b.cycle(),
    b.complete(),
    b.save({ file: 'covariance', folder, format: 'json' }),
  );

  const real = cjkLogits();
  const problems = [
    ['synthetic C=300 (width 64)', covlasso.covarianceSync(headLogits(4000, 300, 64, 4))],
    ['synthetic C=1000 (width 256)', covlasso.covarianceSync(headLogits(8000, 1000, 256, 5))],
  ];
  if (real) problems.push(['cjk1000 rows 0..7999', covlasso.covarianceSync(real)]);
  await b.suite(
    'covlasso',
    ...problems.map(([name, S]) => b.add(`${name}, ratio 0.1, all targets`, async () => { await covlasso.covLasso(S, { lambdaRatio: 0.1 }); }, heavy)),
    b.add('synthetic C=300, path of 100 λ to 1e-3', async () => { await covlasso.covLassoPath(problems[0][1]); }, heavy),
    b.cycle(),
    b.complete(),
    b.save({ file: 'covlasso', folder, format: 'json' }),
  );
}

function toF64(m) {
  return new covlasso.Matrix(m.rows, m.cols, Float64Array.from(m.data));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

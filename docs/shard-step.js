#!/usr/bin/env node
// One step of a sharded covlasso dependency job, for schedulers (docs/slurm-shards.sh,
// docs/k8s-indexed-job.yaml) until the CLI's --shard flags exist. Every step writes atomically
// and skips work whose output exists and verifies, so a rerun or a retried step is safe.
//
//   node shard-step.js cov <k> <n>      rows shard k of n of $LOGITS  -> $WORK/cov-<k>-of-<n>.cov
//   node shard-step.js cov-merge <n>    the n states                  -> $WORK/state.cov
//   node shard-step.js deps <k> <m>     target shard k of m            -> $WORK/deps-<k>-of-<m>.json
//   node shard-step.js merge <m>        the m partial results          -> $WORK/deps.json
//
// Environment: LOGITS (a 2-d float32/float64 .npy), WORK (a directory every step sees), ROWS
// (optional, 'a:b'), LAMBDA_RATIO (default 0.1), CENTER (1 to fit intercepts), THREADS (optional).
'use strict';
const path = require('node:path');
const covlasso = require('covlasso');

const [step, a, b] = process.argv.slice(2);
const env = process.env;
const work = env.WORK;
const rows = env.ROWS ? env.ROWS.split(':').map(Number) : undefined;
const threads = env.THREADS ? Number(env.THREADS) : undefined;
const solve = { lambdaRatio: Number(env.LAMBDA_RATIO ?? 0.1), center: env.CENTER === '1', threads };
const covFile = (k, n) => path.join(work, `cov-${k}-of-${n}.cov`);
const partFile = (k, m) => path.join(work, `deps-${k}-of-${m}.json`);
const indices = (n) => Array.from({ length: n }, (_, k) => k);

async function main() {
  if (!work) throw new Error('set WORK to the shared job directory');
  switch (step) {
    case 'cov': {
      const shard = covlasso.parseShard(`${a}/${b}`);
      await covlasso.covarianceShard(env.LOGITS, { shard, rows, out: covFile(shard.k, shard.n), reuse: true, threads });
      break;
    }
    case 'cov-merge': {
      const n = Number(a);
      const [total] = (await covlasso.readNpyHeader(env.LOGITS)).shape;
      const [begin, end] = rows ?? [0, total];
      await covlasso.mergeCovarianceShards(indices(n).map((k) => covFile(k, n)), { out: path.join(work, 'state.cov'), count: end - begin, reuse: true });
      break;
    }
    case 'deps': {
      const shard = covlasso.parseShard(`${a}/${b}`);
      await covlasso.dependencyShard({ state: path.join(work, 'state.cov') }, { ...solve, shard, out: partFile(shard.k, shard.n), reuse: true });
      break;
    }
    case 'merge': {
      const m = Number(a);
      await covlasso.mergeDependencyShards(indices(m).map((k) => partFile(k, m)), { out: path.join(work, 'deps.json'), reuse: true });
      break;
    }
    default:
      throw new Error(`unknown step '${step}': cov <k> <n> | cov-merge <n> | deps <k> <m> | merge <m>`);
  }
}

main().catch((error) => {
  process.stderr.write(`covlasso shard-step ${step}: ${error.code ?? ''} ${error.message}\n`);
  process.exit(1);
});

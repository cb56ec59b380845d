#!/usr/bin/env node
// 100-λ paths (λ_max → 1e-3·λ_max, warm-started, strong rules) for all 1000 cjk1000 targets on
// the GPU and on the CPU backend (every core), the same S in the same run: times, certified
// (target, λ) pairs, and how the GPU's objectives compare (contract: ≤ CPU's + 1e-6·S_tt).
//
//   node bench/gpu/paths.js [--data .device/data] [--n-lambda 100] [--targets 1000] [--gpu-backend cuda]
'use strict';
const path = require('node:path');
const covlasso = require('../../dist/cjs');
const { option, seconds } = require('./util');


async function main() {
  if (option('data')) process.env.COVLASSO_GPU_DATA = path.resolve(option('data'));
  const { cjk1000 } = require('../../test/gpu/support');
  const data = cjk1000();
  if (!data) throw new Error('no cjk1000 data (run scripts/prepare-device-check.sh, or give --data)');
  const S = data.S;
  const nLambda = Number(option('n-lambda', '100'));
  const targets = Array.from({ length: Math.min(S.rows, Number(option('targets', String(S.rows)))) }, (_, i) => i);
  const results = {};
  const gpu = option('gpu-backend', 'cuda');
  for (const [role, backend] of [['gpu', gpu], ['cpu', 'cpu']]) {
    const t = process.hrtime.bigint();
    const r = await covlasso.covLassoPath(S, { targets, nLambda, ratioMin: 1e-3, backend });
    const s = seconds(t);
    let certified = 0;
    for (const c of r.converged) certified += c;
    results[role] = r;
    console.log(JSON.stringify({ backend, targets: targets.length, nLambda, seconds: s, certified, pairs: r.converged.length }));
  }
  const g = results.gpu, c = results.cpu;
  let worse = 0, maxExcess = -Infinity;
  for (let k = 0; k < targets.length; k++) {
    const d = S.data[targets[k] * S.rows + targets[k]];
    for (let l = 0; l < nLambda; l++) {
      const at = k * nLambda + l;
      const e = (g.objective[at] - c.objective[at]) / d;
      maxExcess = Math.max(maxExcess, e);
      if (e > 1e-6) worse++;
    }
  }
  console.log(JSON.stringify({ objectivesAboveCpuPlus1e6: worse, maxObjectiveExcessOverStt: maxExcess }));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

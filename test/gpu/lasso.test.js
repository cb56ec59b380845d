// GPU CovLasso against the CPU backend: the results contract of native/core/backend.hpp (per
// target and λ: objective ≤ CPU's + 1e-6·S_tt, the duality-gap certificate recomputed here in
// float64 from the returned coefficients ≤ tol·S_tt, converged wherever the CPU converged, the
// same λ and λ_max), on cjk1000 (singular: rank 107) and synthetic problems, one λ and paths,
// every option. Skips without a usable CUDA device.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { covlasso, skip, GPU, cjk1000, headLogits, recomputeGap } = require('./support');

// Compares a GPU result with the CPU's; `problem` gives G, s_t(j), d_t, exclude and options.
function contract(gpu, cpu, problem, what) {
  const K = gpu.nLambda ?? 1;
  let worse = 0, uncertified = 0, unconverged = 0, checked = 0, maxExcess = -Infinity;
  for (let k = 0; k < gpu.targets.length; k++) {
    const t = gpu.targets[k];
    const d = problem.d(t);
    assert.equal(gpu.pathLength ? gpu.pathLength[k] : 1, cpu.pathLength ? cpu.pathLength[k] : 1, `${what}: path length of ${t}`);
    for (let l = 0; l < (gpu.pathLength ? gpu.pathLength[k] : 1); l++) {
      const at = k * K + l;
      assert.equal(gpu.lambda[at], cpu.lambda[at]);
      assert.equal(gpu.lambdaMax[at], cpu.lambdaMax[at]);
      maxExcess = Math.max(maxExcess, (gpu.objective[at] - cpu.objective[at]) / d);
      if (gpu.objective[at] > cpu.objective[at] + 1e-6 * d) worse++;
      if (cpu.converged[at] && !gpu.converged[at]) unconverged++;
      if (gpu.converged[at] && checked < 400) {
        checked++;
        const cert = recomputeGap(problem.G, (j) => problem.s(t, j), d, problem.exclude(t), gpu.coef, at, gpu.lambda[at], problem.options);
        if (!(cert.gap <= problem.tol * d * (1 + 1e-6) + 1e-13 * d && cert.kkt <= problem.tol * d * (1 + 1e-6) + 1e-13 * d)) uncertified++;
      }
    }
  }
  console.log(`  ${what}: max (GPU − CPU objective)/S_tt = ${maxExcess.toExponential(2)}, ${checked} certificates recomputed`);
  assert.equal(worse, 0, `${what}: ${worse} objectives above CPU + 1e-6·S_tt`);
  assert.equal(uncertified, 0, `${what}: ${uncertified} certificates do not hold`);
  assert.equal(unconverged, 0, `${what}: ${unconverged} not converged where the CPU converged`);
}

function intra(S, options = {}, tol = 1e-6) {
  const p = S.rows;
  return { G: S, s: (t, j) => S.data[j * p + t], d: (t) => S.data[t * p + t], exclude: (t) => t, options, tol };
}

test('cjk1000: all 1000 targets at λ ratio 0.1 and 0.02', { skip }, () => {
  const data = cjk1000();
  if (!data) return;
  for (const lambdaRatio of [0.1, 0.02]) {
    const gpu = covlasso.covLassoSync(data.S, { lambdaRatio, backend: GPU });
    const cpu = covlasso.covLassoSync(data.S, { lambdaRatio, backend: 'cpu' });
    contract(gpu, cpu, intra(data.S), `cjk1000 ratio ${lambdaRatio}`);
  }
});

test('cjk1000: 100-λ paths to 1e-3 for 100 targets, and stopRelativeError', { skip }, async () => {
  const data = cjk1000();
  if (!data) return;
  const targets = Array.from({ length: 100 }, (_, i) => i * 10);
  const gpu = await covlasso.covLassoPath(data.S, { targets, backend: GPU });
  const cpu = covlasso.covLassoPathSync(data.S, { targets, backend: 'cpu' });
  contract(gpu, cpu, intra(data.S), 'cjk1000 paths');
  const stopG = covlasso.covLassoPathSync(data.S, { targets, stopRelativeError: 0.02, backend: GPU });
  const stopC = covlasso.covLassoPathSync(data.S, { targets, stopRelativeError: 0.02, backend: 'cpu' });
  contract(stopG, stopC, intra(data.S), 'cjk1000 paths with stopRelativeError 0.02');
});

test('singular synthetic S (rank 32 of 400): λ ratio down to 1e-4', { skip }, () => {
  const X = headLogits(3000, 400, 32, 11);
  const S = covlasso.covarianceSync(X, { center: true, productPrecision: 'float64', backend: 'cpu' });
  const targets = Array.from({ length: 80 }, (_, i) => i * 5);
  for (const lambdaRatio of [0.05, 1e-3, 1e-4]) {
    contract(covlasso.covLassoSync(S, { targets, lambdaRatio, backend: GPU }), covlasso.covLassoSync(S, { targets, lambdaRatio, backend: 'cpu' }),
      intra(S), `singular ratio ${lambdaRatio}`);
  }
});

test('every option: positive, penaltyFactor (with zeros), l1Ratio, warmStart, absolute λ, maxIter, tol', { skip }, () => {
  const X = headLogits(4000, 300, 48, 12);
  const S = covlasso.covarianceSync(X, { productPrecision: 'float64', backend: 'cpu' });
  const targets = Array.from({ length: 60 }, (_, i) => i * 5);
  const penaltyFactor = Float64Array.from({ length: 300 }, (_, j) => (j % 11 === 4 ? 0 : 0.5 + (j % 3) * 0.25));
  const variants = [
    { positive: true, lambdaRatio: 0.05 },
    { penaltyFactor, lambdaRatio: 0.05 },
    { l1Ratio: 0.5, lambdaRatio: 0.05 },
    { positive: true, l1Ratio: 0.3, lambdaRatio: 0.05 },
    { positive: true, l1Ratio: 0.3, penaltyFactor, lambdaRatio: 0.02 },
    { lambda: 0.01 },
    { lambdaRatio: 0.01, tol: 1e-9 },
  ];
  for (const v of variants) {
    const gpu = covlasso.covLassoSync(S, { targets, ...v, backend: GPU });
    const cpu = covlasso.covLassoSync(S, { targets, ...v, backend: 'cpu' });
    contract(gpu, cpu, intra(S, v, v.tol ?? 1e-6), JSON.stringify({ ...v, penaltyFactor: v.penaltyFactor ? 'w' : undefined }));
  }
  const seed = covlasso.covLassoSync(S, { targets, lambdaRatio: 0.2, backend: 'cpu' });
  contract(covlasso.covLassoSync(S, { targets, lambdaRatio: 0.02, warmStart: seed.coef, backend: GPU }),
    covlasso.covLassoSync(S, { targets, lambdaRatio: 0.02, warmStart: seed.coef, backend: 'cpu' }), intra(S), 'warmStart');
  // maxIter 2: converged says only what the certificate says.
  const short = covlasso.covLassoSync(S, { targets, lambdaRatio: 0.01, maxIter: 2, backend: GPU });
  for (let k = 0; k < targets.length; k++) {
    assert.ok(short.iterations[k] <= 2 + 0);
    if (short.converged[k]) assert.ok(short.gap[k] <= 1e-6 * S.data[targets[k] * 300 + targets[k]]);
  }
});

test('general form (cross-model): G = S_BB, s = S_BA, d = diag S_AA, with a path', { skip }, () => {
  const A = headLogits(5000, 150, 40, 13);
  const B = headLogits(5000, 120, 40, 13);  // the same features (seed), another head
  const G = covlasso.covarianceSync(B, { productPrecision: 'float64', backend: 'cpu' });
  const cross = covlasso.crossMomentsSync(B, A, { productPrecision: 'float64', backend: 'cpu' });
  const SA = covlasso.covarianceSync(A, { productPrecision: 'float64', backend: 'cpu' });
  const d = Float64Array.from({ length: 150 }, (_, t) => SA.data[t * 150 + t]);
  const problem = covlasso.generalProblem(G, cross, d);
  const path = { nLambda: 30, ratioMin: 1e-3 };
  const gpu = covlasso.solveGeneralSync(problem, { path, backend: GPU });
  const cpu = covlasso.solveGeneralSync(problem, { path, backend: 'cpu' });
  contract(gpu, cpu, { G, s: (t, j) => cross.data[j * 150 + t], d: (t) => d[t], exclude: () => -1, options: {}, tol: 1e-6 }, 'general form path');
});

test('the same bits run to run', { skip }, () => {
  const data = cjk1000();
  const S = data ? data.S : covlasso.covarianceSync(headLogits(3000, 300, 40, 14), { backend: 'cpu' });
  const a = covlasso.covLassoPathSync(S, { targets: [0, 1, 2, 3, 4, 5, 6, 7], nLambda: 20, backend: GPU });
  const b = covlasso.covLassoPathSync(S, { targets: [0, 1, 2, 3, 4, 5, 6, 7], nLambda: 20, backend: GPU });
  assert.ok(Buffer.from(a.objective.buffer).equals(Buffer.from(b.objective.buffer)));
  assert.ok(Buffer.from(a.coef.values.buffer).equals(Buffer.from(b.coef.values.buffer)));
});

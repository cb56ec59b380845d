/**
 * Cross-model dependencies on two linear heads' factored moments (issue #11): crossDependencies
 * on factoredCrossCovariance({ a, b, features: joint [h_A | h_B] }) against crossDependencies on
 * the logits f_A = W_A h_A + b_A, f_B = W_B h_B (float64 products): both directions, second moment
 * and centered, objectives within 1e-9·d_t at a tight tol, the same sources and intercepts; bad
 * inputs are typed errors.
 */
import { describe, expect, it } from '@jest/globals';
import {
  CovarianceAccumulator, crossDependencies, CovlassoRangeError, factoredCrossCovariance, Matrix,
} from '../lib';
import type { CrossDependencyReport } from '../lib';
import { gaussian } from '../lib/random';

const N = 400, dA = 14, dB = 10, CA = 90, CB = 70;
const g = gaussian(31);
const hA = Float64Array.from({ length: N * dA }, () => 0.3 + g());
// B's features share A's first 6 (a second model over the same inputs), plus their own
const hB = new Float64Array(N * dB);
for (let n = 0; n < N; n++) for (let j = 0; j < dB; j++) hB[n * dB + j] = (j < 6 ? hA[n * dA + j] : 0) + 0.5 * g();
const WA = Float32Array.from({ length: CA * dA }, () => 0.3 * g());
const WB = Float64Array.from({ length: CB * dB }, () => 0.3 * g());
const bA = Float64Array.from({ length: CA }, () => g());

function logits(h: Float64Array, d: number, W: ArrayLike<number>, C: number, b?: Float64Array): Matrix {
  const out = new Float64Array(N * C);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < C; i++) {
      let v = b ? b[i] : 0;
      for (let j = 0; j < d; j++) v += W[i * d + j] * h[n * d + j];
      out[n * C + i] = v;
    }
  }
  return new Matrix(N, C, out);
}

const LA = logits(hA, dA, WA, CA, bA);
const LB = logits(hB, dB, WB, CB);
const joint = new Float64Array(N * (dA + dB));
for (let n = 0; n < N; n++) {
  joint.set(hA.subarray(n * dA, (n + 1) * dA), n * (dA + dB));
  joint.set(hB.subarray(n * dB, (n + 1) * dB), n * (dA + dB) + dA);
}
const acc = new CovarianceAccumulator(dA + dB);
acc.updateSync(new Matrix(N, dA + dB, joint), { productPrecision: 'float64' });

/** d_t of each category of a model: its second moment or variance over the rows. */
function variances(L: Matrix, center: boolean): Float64Array {
  const out = new Float64Array(L.cols);
  for (let t = 0; t < L.cols; t++) {
    let m = 0;
    if (center) for (let n = 0; n < N; n++) m += L.data[n * L.cols + t] / N;
    for (let n = 0; n < N; n++) out[t] += (L.data[n * L.cols + t] - m) ** 2 / N;
  }
  return out;
}

function expectSame(f: CrossDependencyReport, l: CrossDependencyReport, d: Float64Array, center: boolean): void {
  expect(f.targets.length).toBe(l.targets.length);
  expect([f.categories, f.sourceCategories, f.samples, f.center, f.direction]).toEqual([l.categories, l.sourceCategories, l.samples, l.center, l.direction]);
  f.targets.forEach((t, k) => {
    const o = l.targets[k];
    expect(t.converged && o.converged).toBe(true);
    expect(Math.abs(t.objective - o.objective)).toBeLessThanOrEqual(1e-9 * d[o.target]);
    expect([...t.sources].sort((x, y) => x - y)).toEqual([...o.sources].sort((x, y) => x - y));
    if (center) expect(Math.abs(t.intercept! - o.intercept!)).toBeLessThan(1e-7);
  });
}

describe('crossDependencies on factored moments', () => {
  it.each([false, true])('center %s: both directions match the logits', async (center) => {
    const pair = factoredCrossCovariance({ a: { head: new Matrix(CA, dA, WA), bias: bA }, b: { head: new Matrix(CB, dB, WB) }, features: acc, center });
    const options = { direction: 'both' as const, tol: 1e-11, lambdaRatio: 0.05 };
    const f = await crossDependencies(pair, options);
    const l = await crossDependencies(LA, LB, { ...options, center });
    expectSame(f.aFromB!, l.aFromB!, variances(LA, center), center);
    expectSame(f.bFromA!, l.bFromA!, variances(LB, center), center);
  });

  it('refuses what does not apply and shapes that do not fit', async () => {
    const pair = factoredCrossCovariance({ a: { head: new Matrix(CA, dA, WA) }, b: { head: new Matrix(CB, dB, WB) }, features: acc });
    await expect(crossDependencies(pair, { rows: [0, 10] })).rejects.toThrow(/does not apply/);
    await expect(crossDependencies(pair, { center: true })).rejects.toThrow(/contradicts/);
    await expect(crossDependencies(pair, { namesA: ['x'] })).rejects.toThrow(CovlassoRangeError);
    expect(() => factoredCrossCovariance({ a: { head: new Matrix(CA, dA, WA) }, b: { head: new Matrix(CB, dB, WB) }, features: new CovarianceAccumulator(dA) })).toThrow(/joint features/);
    expect(() => factoredCrossCovariance({ a: { head: new Matrix(CA, dA, WA), softcapping: 30 }, b: { head: new Matrix(CB, dB, WB) }, features: acc })).toThrow(/model a's logits .* not a linear head/);
    expect(() => factoredCrossCovariance({ a: { head: new Matrix(CA, dA, WA), bias: new Float64Array(3) }, b: { head: new Matrix(CB, dB, WB) }, features: acc })).toThrow(/90 values/);
  });
});

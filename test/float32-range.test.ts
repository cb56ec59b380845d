/**
 * Issue #13, item 10: float32 products are used only where they cannot overflow or underflow.
 * Finite float32 logits of magnitude ≥ 2⁵⁸ (whose squares overflow a float32 partial sum) and
 * tiny ones (whose squares are denormal or zero in float32, giving a negative centered variance)
 * fall back to float64 products: every entry is finite and matches a float64 reference, every
 * variance is ≥ 0. Ordinary logits keep the fast float32 products.
 */
import { describe, expect, it } from '@jest/globals';
import { CovarianceAccumulator, Matrix, covariance, covarianceSync } from '../lib';
import { relErr } from './support/helpers';
import { centeredCovariance, randomLogits, secondMoment } from './support/reference-lasso';

const N = 300;
const C = 20;

/** float32 logits scaled by `scale`, with exact zeros sprinkled in. */
function scaled(scale: number, seed: number): Float32Array {
  const X = randomLogits(N, C, seed, { float32: true });
  for (let i = 0; i < X.length; i++) X[i] = i % 17 === 5 ? 0 : X[i] * scale;
  return X;
}

function expectAccurate(got: Float64Array, X: Float32Array, centered: boolean): void {
  const want = centered ? centeredCovariance(X, N, C) : secondMoment(X, N, C);
  for (const v of got) expect(Number.isFinite(v)).toBe(true);
  for (let j = 0; j < C; j++) expect(got[j * C + j]).toBeGreaterThanOrEqual(0);
  expect(relErr(got, want)).toBeLessThan(1e-12);  // float64 products: ~1e-15; float32 products: ~1e-7
}

describe('float32 products fall back to float64 outside their safe range', () => {
  it.each([
    ['huge finite logits (3e18: squares overflow float32)', 3e18],
    ['logits just at 2^58', 2 ** 58],
    ['tiny logits (1e-25: squares underflow to 0 in float32)', 1e-25],
    ['denormal logits (1e-41)', 1e-41],
    ['logits below 2^-36 (1e-12)', 1e-12],
  ])('%s: a finite, accurate covariance with non-negative variances', async (_name, scale) => {
    const X = scaled(scale, 3);
    expectAccurate((await covariance(new Matrix(N, C, X), { center: true })).data as Float64Array, X, true);
    expectAccurate(covarianceSync(new Matrix(N, C, X), { center: false }).data as Float64Array, X, false);
  });

  it('one huge value among ordinary logits is enough to switch', async () => {
    const X = scaled(1, 4);
    X[123] = 1e19;
    expectAccurate((await covariance(new Matrix(N, C, X), { center: true })).data as Float64Array, X, true);
  });

  it('a streamed accumulator switches per chunk: an ordinary chunk, then a huge one', async () => {
    const ordinary = scaled(1, 5);
    const huge = scaled(1e20, 6);
    const acc = new CovarianceAccumulator(C);
    await acc.update(new Matrix(N, C, ordinary));
    await acc.update(new Matrix(N, C, huge));
    const got = acc.result({ center: true }).data as Float64Array;
    for (const v of got) expect(Number.isFinite(v)).toBe(true);
    for (let j = 0; j < C; j++) expect(got[j * C + j]).toBeGreaterThan(0);
  });

  it('ordinary logits (and logits scaled by 2^-10 or 2^40) keep float32 products (not bitwise float64)', async () => {
    for (const scale of [1, 2 ** -10, 2 ** 40]) {
      const X = scaled(scale, 7);
      const fast = (await covariance(new Matrix(N, C, X))).data as Float64Array;
      const exact = (await covariance(new Matrix(N, C, X), { productPrecision: 'float64' })).data as Float64Array;
      expect(relErr(fast, exact)).toBeGreaterThan(0);
      expect(relErr(fast, exact)).toBeLessThan(1e-5);
    }
  });
});

/**
 * Typed arrays over a SharedArrayBuffer are inputs like any other: covariance, covLasso and the
 * accumulator read them (sync and async) and give the results of the same data in an ordinary
 * ArrayBuffer (the binding takes the data pointer from napi_get_typedarray_info, which works
 * for shared buffers).
 */
import { describe, expect, it } from '@jest/globals';
import { CovarianceAccumulator, Matrix, covLasso, covLassoSync, covariance, covarianceSync } from '../lib';
import { randomLogits } from './support/reference-lasso';
import { sameBytes } from './support/helpers';

function shared<T extends Float32Array | Float64Array>(a: T): T {
  const copy = new (a.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength));
  copy.set(a);
  return copy;
}

describe('SharedArrayBuffer-backed inputs', () => {
  const n = 500;
  const c = 40;
  const F = randomLogits(n, c, 3, { float32: true, rank: 20 });

  it('covariance and covarianceSync of a shared-memory X equal those of the same X in an ArrayBuffer', async () => {
    const want = covarianceSync(new Matrix(n, c, F));
    const X = new Matrix(n, c, shared(F));
    expect(sameBytes(covarianceSync(X).data, want.data)).toBe(true);
    expect(sameBytes((await covariance(X)).data, want.data)).toBe(true);
  });

  it('covLasso and covLassoSync of a shared-memory S equal those of the same S in an ArrayBuffer', async () => {
    const S = covarianceSync(new Matrix(n, c, F));
    const want = covLassoSync(S, { lambdaRatio: 0.05 });
    const Sh = new Matrix(c, c, shared(S.data as Float64Array));
    for (const got of [covLassoSync(Sh, { lambdaRatio: 0.05 }), await covLasso(Sh, { lambdaRatio: 0.05 })]) {
      expect(sameBytes(got.objective, want.objective)).toBe(true);
      expect(sameBytes(got.coef.values, want.coef.values)).toBe(true);
    }
  });

  it('accumulator update and updateSync accept shared-memory chunks', async () => {
    const ref = new CovarianceAccumulator(c);
    ref.updateSync(new Matrix(n, c, F));
    const a = new CovarianceAccumulator(c);
    a.updateSync(new Matrix(n, c, shared(F)));
    const b = new CovarianceAccumulator(c);
    await b.update(new Matrix(n, c, shared(F)));
    expect(sameBytes(a.result().data, ref.result().data)).toBe(true);
    expect(sameBytes(b.result().data, ref.result().data)).toBe(true);
  });
});

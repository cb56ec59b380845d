/**
 * Detaching or transferring an input's ArrayBuffer while an async call runs
 * (`structuredClone(buf, { transfer: [buf] })`, `worker.postMessage(buf, [buf])`): the new owner
 * holds the very memory the caller passed. Async calls read private copies (lib/runtime/typed.ts
 * detachSafe), so what the new owner does with that memory (overwrite it, free it) cannot reach
 * the core: the result is that of the data as passed.
 */
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from '@jest/globals';
import { CovarianceAccumulator, Matrix, covLasso, covLassoSync, covariance, covarianceSync } from '../lib';
import { randomLogits } from './support/reference-lasso';
import { sameBytes } from './support/helpers';

/** Takes the buffer away from the caller and scribbles over the memory it owned. */
function stealAndScribble(data: Float32Array | Float64Array): void {
  const buffer = data.buffer as ArrayBuffer;
  const stolen = structuredClone(buffer, { transfer: [buffer] });
  new Uint8Array(stolen).fill(0xff); // NaN in every element
  expect(data.byteLength).toBe(0); // the caller's view is detached
}

describe('async calls read inputs the caller cannot detach', () => {
  const n = 20000;
  const c = 200;

  it('covariance: transferring X.data mid-call and overwriting it leaves the result that of X as passed', async () => {
    const F = randomLogits(n, c, 5, { float32: true, rank: 40 });
    const want = covarianceSync(new Matrix(n, c, F.slice()));
    const X = new Matrix(n, c, F);
    const pending = covariance(X);
    stealAndScribble(F);
    expect(sameBytes((await pending).data, want.data)).toBe(true);
  });

  it('covLasso: transferring S.data mid-call and overwriting it leaves the result that of S as passed', async () => {
    const S = covarianceSync(new Matrix(4000, 300, randomLogits(4000, 300, 6, { rank: 60 })));
    const want = covLassoSync(new Matrix(S.rows, S.cols, S.data.slice()), { lambdaRatio: 0.02 });
    const pending = covLasso(S, { lambdaRatio: 0.02 });
    stealAndScribble(S.data);
    const got = await pending;
    expect(sameBytes(got.objective, want.objective)).toBe(true);
    expect(sameBytes(got.coef.values, want.coef.values)).toBe(true);
  });

  it('accumulator update: a chunk posted away (postMessage transfer) mid-update is accumulated as passed', async () => {
    const F = randomLogits(n, c, 7, { float32: true, rank: 40 });
    const ref = new CovarianceAccumulator(c);
    ref.updateSync(new Matrix(n, c, F.slice()));
    const acc = new CovarianceAccumulator(c);
    const pending = acc.update(new Matrix(n, c, F));
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<ArrayBuffer>((resolve) => port2.once('message', resolve));
    port1.postMessage(F.buffer, [F.buffer as ArrayBuffer]);
    expect(F.byteLength).toBe(0);
    new Uint8Array(await received).fill(0xff);
    port1.close();
    await pending;
    expect(sameBytes(acc.result().data, ref.result().data)).toBe(true);
  });
});

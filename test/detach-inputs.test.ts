/**
 * Detaching or transferring an input's ArrayBuffer while an async call runs
 * (`structuredClone(buf, { transfer: [buf] })`, `worker.postMessage(buf, [buf])`): the new owner
 * holds the very memory the caller passed. Async calls read private copies (lib/runtime/typed.ts
 * detachSafe), so what the new owner does with that memory (overwrite it, free it) cannot reach
 * the core: the result is that of the data as passed or, when the buffer is taken away while
 * the copy is still being made (large inputs are copied in slices, between turns of the event
 * loop), a coded ERR_COVLASSO_INVALID_ARGUMENT rejection. Never a result of the stolen memory.
 */
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from '@jest/globals';
import { CovarianceAccumulator, Matrix, covLasso, covLassoSync, covariance, covarianceSync, dependenciesFromCovariance, findDependencies } from '../lib';
import { detachSafe, markPrivate } from '../lib/runtime/typed';
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
    const rows = 4000; // 3.2 MB: copied at once, when the call starts
    const F = randomLogits(rows, c, 5, { float32: true, rank: 40 });
    const want = covarianceSync(new Matrix(rows, c, F.slice()));
    const X = new Matrix(rows, c, F);
    const pending = covariance(X);
    stealAndScribble(F);
    expect(sameBytes((await pending).data, want.data)).toBe(true);
  });

  it('covariance: transferring a large X.data while it is being copied rejects with ERR_COVLASSO_INVALID_ARGUMENT', async () => {
    const F = randomLogits(n, c, 5, { float32: true, rank: 40 }); // 16 MB: copied in slices
    const pending = covariance(new Matrix(n, c, F));
    stealAndScribble(F);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT', message: expect.stringMatching(/detached or transferred/) });
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

  it('accumulator update: a chunk posted away (postMessage transfer) once its update runs is accumulated as passed', async () => {
    const F = randomLogits(n, c, 7, { float32: true, rank: 40 });
    const ref = new CovarianceAccumulator(c);
    ref.updateSync(new Matrix(n, c, F.slice()));
    const acc = new CovarianceAccumulator(c);
    let onFirst: () => void = () => undefined;
    const progressed = new Promise<void>((resolve) => void (onFirst = resolve));
    const pending = acc.update(new Matrix(n, c, F), { onProgress: () => onFirst() });
    await progressed; // the copy is made and the native job runs
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<ArrayBuffer>((resolve) => port2.once('message', resolve));
    port1.postMessage(F.buffer, [F.buffer as ArrayBuffer]);
    expect(F.byteLength).toBe(0);
    new Uint8Array(await received).fill(0xff);
    port1.close();
    await pending;
    expect(sameBytes(acc.result().data, ref.result().data)).toBe(true);
  });

  it('accumulator update: a chunk posted away before its queued update runs rejects with ERR_COVLASSO_INVALID_ARGUMENT, the state untouched', async () => {
    const F = randomLogits(2000, c, 8, { float32: true, rank: 40 });
    const acc = new CovarianceAccumulator(c);
    const pending = acc.update(new Matrix(2000, c, F));
    stealAndScribble(F);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
    expect(acc.count).toBe(0);
  });
});

describe("covlasso's own intermediates are read in place (markPrivate)", () => {
  it('detachSafe copies a caller’s array, not one covlasso marked as its own, nor a shared one', async () => {
    const mine = markPrivate(new Float64Array(10).fill(2));
    expect(await detachSafe(mine)).toBe(mine);
    const theirs = new Float64Array(10).fill(2);
    const copy = await detachSafe(theirs);
    expect(copy).not.toBe(theirs);
    expect(sameBytes(copy, theirs)).toBe(true);
    const shared: Float64Array = new Float64Array(new SharedArrayBuffer(80)) as unknown as Float64Array;
    expect(await detachSafe(shared)).toBe(shared);
  });

  it('a dependency search on S it formed itself or rounded gives the same report as one on the caller’s S', async () => {
    const X = new Matrix(400, 12, randomLogits(400, 12, 5, { rank: 6 }));
    const S = covarianceSync(X, { productPrecision: 'float64' });
    const fromLogits = await findDependencies(X, { productPrecision: 'float64', lambdaRatio: 0.1 });
    const fromCallerS = await dependenciesFromCovariance(S, { lambdaRatio: 0.1, samples: 400 });
    expect(fromLogits.targets).toEqual(fromCallerS.targets);
    const rounded = await dependenciesFromCovariance(S, { lambdaRatio: 0.1, samples: 400, covarianceDtype: 'float32' });
    expect(rounded.targets).toEqual((await dependenciesFromCovariance(S.astype('float32'), { lambdaRatio: 0.1, samples: 400 })).targets);
    expect(S.data.length).toBe(144); // the caller's S was neither detached nor replaced
  });
});

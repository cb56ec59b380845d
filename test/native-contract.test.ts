/**
 * The typed JS ↔ C++ contract (lib/runtime/native-types.ts): the binding takes exactly the keys
 * a call names, each of its type. A missing, misspelled or mistyped key is a coded error, never
 * a silent default (a misspelled `center` used to read as false).
 */
import { describe, expect, it } from '@jest/globals';
import { loadNative } from '../lib/runtime/native';
import { codeOf } from './support/helpers';
import type { CovarianceCallArgs, LassoCallArgs } from '../lib/runtime/native-types';

const addon = loadNative();

function covArgs(): CovarianceCallArgs {
  return { x: { rows: 3, cols: 2, data: new Float64Array([1, 2, 2, 0, 3, 1]) }, center: true, ddof: 1, products: 'auto', threads: 1, backend: 'cpu', out: new Float64Array(4) };
}

function lassoArgs(): LassoCallArgs {
  const gram = new Float64Array([2, 1, 1, 2]);
  return {
    gram, p: 2, m: 2, variance: new Float64Array([2, 2]), excludeSelf: true, targets: Int32Array.of(0, 1), lambdas: Float64Array.of(0.1), relative: true,
    tol: 1e-6, maxIter: 1000, l1Ratio: 1, positive: false, stopRelativeError: 0, threads: 1, backend: 'cpu',
    out: { lambda: new Float64Array(2), lambdaMax: new Float64Array(2), objective: new Float64Array(2), gap: new Float64Array(2), residualVariance: new Float64Array(2), iterations: new Int32Array(2), converged: new Uint8Array(2), pathLength: new Int32Array(2) },
  };
}

describe('native call contract', () => {
  it('accepts the arguments its types name', () => {
    const args = covArgs();
    addon.covarianceSync(args);
    expect(Array.from(args.out)).toEqual([1, -0.5, -0.5, 1]);
    const l = lassoArgs();
    addon.covLassoSync(l);
    expect(Array.from(l.out.converged)).toEqual([1, 1]);
  });

  it.each(['center', 'ddof', 'products', 'threads', 'backend', 'out', 'x'])('covariance without %s is rejected', (key) => {
    const args = covArgs() as unknown as Record<string, unknown>;
    delete args[key];
    expect(codeOf(() => addon.covarianceSync(args as unknown as CovarianceCallArgs))).toBe('ERR_COVLASSO_INVALID_ARGUMENT');
  });

  it('a misspelled key is rejected, naming it', () => {
    const args = { ...covArgs(), centre: true } as unknown as Record<string, unknown>;
    delete args.center;
    expect(() => addon.covarianceSync(args as unknown as CovarianceCallArgs)).toThrow(/'arguments\.center' is missing/);
    const extra = { ...covArgs(), centre: true };
    expect(() => addon.covarianceSync(extra)).toThrow(/'arguments\.centre' is not an argument/);
    const l = { ...lassoArgs(), maxIters: 5 };
    expect(() => addon.covLassoSync(l)).toThrow(/maxIters/);
    const out = lassoArgs();
    (out.out as unknown as Record<string, unknown>).extra = new Float64Array(2);
    expect(codeOf(() => addon.covLassoSync(out))).toBe('ERR_COVLASSO_INVALID_ARGUMENT');
  });

  it('a key of the wrong type is rejected by code', () => {
    expect(codeOf(() => addon.covarianceSync({ ...covArgs(), center: 1 as unknown as boolean }))).toBe('ERR_COVLASSO_INVALID_ARGUMENT');
    expect(codeOf(() => addon.covarianceSync({ ...covArgs(), products: 'float32' as 'auto' }))).toBe('ERR_COVLASSO_INVALID_ARGUMENT');
    expect(codeOf(() => addon.covarianceSync({ ...covArgs(), out: new Float32Array(4) as unknown as Float64Array }))).toBe('ERR_COVLASSO_INVALID_DTYPE');
    expect(codeOf(() => addon.covLassoSync({ ...lassoArgs(), positive: 'no' as unknown as boolean }))).toBe('ERR_COVLASSO_INVALID_ARGUMENT');
    expect(codeOf(() => addon.covLassoSync({ ...lassoArgs(), maxIter: 1.5 }))).toBe('ERR_COVLASSO_INVALID_ARGUMENT');
    expect(codeOf(() => addon.covLassoSync({ ...lassoArgs(), targets: Float64Array.of(0) as unknown as Int32Array }))).toBe('ERR_COVLASSO_INVALID_DTYPE');
  });

  it('the async twins reject the same way (never a synchronous throw from the JS API)', async () => {
    const args = { ...covArgs(), centre: true };
    await expect(Promise.resolve().then(() => addon.covariance(args))).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
  });

  it('the accumulator update takes exactly its keys', () => {
    const acc = new addon.MomentAccumulator(2, 2, true);
    const x = { rows: 3, cols: 2, data: new Float64Array([1, 2, 2, 0, 3, 1]) };
    acc.updateSync({ x, products: 'auto', threads: 1, backend: 'cpu' });
    expect(acc.count()).toBe(3);
    expect(codeOf(() => acc.updateSync({ x, products: 'auto', threads: 1 } as never))).toBe('ERR_COVLASSO_INVALID_ARGUMENT');
    expect(codeOf(() => acc.updateSync({ x, products: 'auto', threads: 1, backend: 'cpu', self: 1 } as never))).toBe('ERR_COVLASSO_INVALID_ARGUMENT');
    expect(acc.count()).toBe(3);
  });
});

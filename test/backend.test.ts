/**
 * Choosing a backend: `backend: 'cpu' | 'cuda' | 'auto'` on every heavy call and
 * COVLASSO_BACKEND (read in one place). Without a usable CUDA device `auto` runs on the CPU
 * and `cuda` is a typed error with a stable code and one line saying why. Whether CUDA is
 * compiled in is checked against the binary itself: a CUDA build carries device code (an
 * `.nv_fatbin` section with sm_80/sm_89/sm_90 machine code).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import { packageRoot } from '../lib/runtime/native';
import {
  BackendUnavailableError,
  CovarianceAccumulator,
  Matrix,
  backends,
  covLasso,
  covLassoSync,
  covariance,
  covarianceSync,
  crossMomentsSync,
  solveGeneralSync,
  generalProblem,
} from '../lib';
import { randomLogits, secondMoment } from './support/reference-lasso';
import { sameBytes } from './support/helpers';

const N = 40;
const C = 6;
const X = new Matrix(N, C, randomLogits(N, C, 3));
const S = new Matrix(C, C, secondMoment(randomLogits(N, C, 3), N, C));
const cuda = backends().find((b) => b.name === 'cuda')!;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const binary = (require('node-gyp-build') as { path: (dir: string) => string }).path(packageRoot);
const binaryHasDeviceCode = fs.readFileSync(binary).includes('.nv_fatbin');

afterEach(() => {
  delete process.env.COVLASSO_BACKEND;
});

describe('backends()', () => {
  it('lists the CPU (always available) and CUDA, each with a one-line detail', () => {
    const list = backends();
    expect(list.map((b) => b.name)).toEqual(['cpu', 'cuda']);
    const cpu = list[0];
    expect(cpu).toMatchObject({ compiled: true, available: true });
    expect(cpu.detail).toMatch(/threads/);
    for (const b of list) expect(b.detail).not.toMatch(/\n/);
  });

  it('says CUDA is compiled in exactly when the loaded binary carries CUDA device code', () => {
    expect(cuda.compiled).toBe(binaryHasDeviceCode);
    if (!cuda.compiled) expect(cuda.detail).toMatch(/built without nvcc/);
  });

  const onlyCompiledNoDevice = cuda.compiled && !cuda.available ? it : it.skip;
  onlyCompiledNoDevice('a CUDA build without a usable device says why in one line (no driver / no device)', () => {
    expect(cuda.detail).toMatch(/no usable NVIDIA driver|no CUDA device|compute capability|CUDA cannot start/);
    expect(cuda.detail).toMatch(/cudaError|compute capability/);
  });

  const onlyAvailable = cuda.available ? it : it.skip;
  onlyAvailable('a usable device is named with its memory', () => {
    expect(cuda.detail).toMatch(/GiB, compute capability \d+\.\d+/);
  });
});

describe('backend option', () => {
  it("'auto' and 'cpu' give bitwise the CPU results", async () => {
    const base = covarianceSync(X);
    for (const backend of ['cpu', 'auto'] as const) {
      if (backend === 'auto' && cuda.available) continue;
      expect(sameBytes((await covariance(X, { backend })).data, base.data)).toBe(true);
      const r = await covLasso(S, { backend });
      expect(sameBytes(r.objective, covLassoSync(S).objective)).toBe(true);
    }
  });

  const onlyWithoutCuda = cuda.available ? it.skip : it;
  onlyWithoutCuda("'cuda' without a usable device is ERR_COVLASSO_BACKEND_UNAVAILABLE, sync and async", async () => {
    const calls: Array<() => unknown> = [
      () => covarianceSync(X, { backend: 'cuda' }),
      () => crossMomentsSync(X, X, { backend: 'cuda' }),
      () => covLassoSync(S, { backend: 'cuda' }),
      () => solveGeneralSync(generalProblem(S, S, new Float64Array(C).fill(1)), { backend: 'cuda' }),
      () => new CovarianceAccumulator(C).updateSync(X, { backend: 'cuda' }),
    ];
    for (const call of calls) {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect((error as BackendUnavailableError).code).toBe('ERR_COVLASSO_BACKEND_UNAVAILABLE');
      expect((error as Error).message).toMatch(/cuda/);
      expect((error as Error).message).toContain(cuda.detail);
      expect((error as Error).message).not.toMatch(/\n/);
    }
    await expect(covariance(X, { backend: 'cuda' })).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(covLasso(S, { backend: 'cuda' })).rejects.toMatchObject({ code: 'ERR_COVLASSO_BACKEND_UNAVAILABLE' });
    await expect(new CovarianceAccumulator(C).update(X, { backend: 'cuda' })).rejects.toMatchObject({ code: 'ERR_COVLASSO_BACKEND_UNAVAILABLE' });
  });

  it('COVLASSO_BACKEND is the default and the option overrides it', async () => {
    process.env.COVLASSO_BACKEND = 'cpu';
    expect(covLassoSync(S).converged.every((c) => c === 1)).toBe(true);
    if (!cuda.available) {
      process.env.COVLASSO_BACKEND = 'cuda';
      expect(() => covarianceSync(X)).toThrow(BackendUnavailableError);
      expect(() => covarianceSync(X, { backend: 'cpu' })).not.toThrow();
    }
  });

  it('rejects unknown backends by code, from the option and from the environment', async () => {
    expect(() => covarianceSync(X, { backend: 'gpu' as 'cuda' })).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' }));
    await expect(covLasso(S, { backend: 'tpu' as 'cuda' })).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
    process.env.COVLASSO_BACKEND = 'metal';
    expect(() => covLassoSync(S)).toThrow(/COVLASSO_BACKEND/);
  });
});

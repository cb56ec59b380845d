/**
 * An onProgress callback that throws: the call rejects with that very error (the job is
 * cancelled), instead of the error being swallowed as an uncaught N-API callback exception or,
 * under --force-node-api-uncaught-exceptions-policy=true, the Promise never settling.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { CovarianceAccumulator, Matrix, covLassoPath, covariance, covarianceSync } from '../lib';
import { randomLogits } from './support/reference-lasso';
import { CHILD_PROCESS_TEST_TIMEOUT, compiledEntry } from './support/helpers';

describe('an onProgress callback that throws', () => {
  const n = 20000;
  const c = 200;
  const X = new Matrix(n, c, randomLogits(n, c, 4, { float32: true, rank: 30 }));

  it('covariance, covLassoPath and accumulator update reject with the callback\'s own error', async () => {
    const boom = new Error('boom from onProgress');
    // Throws on the reports from the core (f < 1), not on the final 1 that runAsync itself gives.
    const onProgress = (f: number): void => {
      if (f < 1) throw boom;
    };
    await expect(covariance(X, { onProgress })).rejects.toBe(boom);
    const S = covarianceSync(new Matrix(2000, c, X.data.subarray(0, 2000 * c)));
    await expect(covLassoPath(S, { nLambda: 30, onProgress })).rejects.toBe(boom);
    await expect(new CovarianceAccumulator(c).update(X, { onProgress })).rejects.toBe(boom);
    // A callback that throws only at the end (with 1) also rejects the call.
    await expect(covariance(X, { onProgress: (f) => { if (f === 1) throw boom; } })).rejects.toBe(boom);
  });

  it('under --force-node-api-uncaught-exceptions-policy=true the Promise settles, rejected with that error (child process)', async () => {
    const script = `
      const { Matrix, covariance } = require(process.argv[1]);
      const n = 20000, c = 200, F = new Float32Array(n * c);
      for (let i = 0; i < F.length; i++) F[i] = Math.sin(i * 0.3);
      covariance(new Matrix(n, c, F), { onProgress: (f) => { if (f < 1) throw new Error('boom'); } })
        .then(() => console.log('resolved'), (e) => console.log('rejected ' + e.message));
      // An unsettled Promise keeps nothing alive: the process then exits having printed nothing.
    `;
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--force-node-api-uncaught-exceptions-policy=true', '-e', script, compiledEntry('cjs')]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(out).toEqual({ code: 0, stdout: 'rejected boom\n', stderr: '' });
  }, CHILD_PROCESS_TEST_TIMEOUT);
});

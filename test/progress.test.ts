/**
 * Progress and abort of the long toolkit calls (choose, cross, unseen, diagnostics): one
 * onProgress split into stages never goes backwards and ends at 1, and an abort settles the
 * Promise with CovlassoAbortError, also during the JS scoring loops.
 */
import { describe, expect, it } from '@jest/globals';
import { CovlassoAbortError, Matrix, chooseLambdaByRecall, covarianceSync, crossDependencies, dependencyDiagnostics, unseenCategories } from '../lib';
import { checkpoints, progressStages } from '../lib/runtime/progress';
import { randomLogits } from './support/reference-lasso';

const N = 400;
const C = 12;
const F = new Matrix(N, C, randomLogits(N, C, 5));
const labels = Int32Array.from({ length: N }, (_, r) => {
  let best = 0;
  for (let c = 1; c < C; c++) if (F.data[r * C + c] > F.data[r * C + best]) best = c;
  return best;
});

function recorder(): { fractions: number[]; onProgress: (f: number) => void } {
  const fractions: number[] = [];
  return { fractions, onProgress: (f) => fractions.push(f) };
}

function expectMonotoneToOne(fractions: number[]): void {
  expect(fractions.length).toBeGreaterThan(0);
  for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1]);
  expect(fractions[fractions.length - 1]).toBe(1);
  expect(fractions.every((f) => f >= 0 && f <= 1)).toBe(true);
}

describe('progressStages and checkpoints', () => {
  it('maps each stage onto its share, in order', () => {
    const seen: number[] = [];
    const [a, b, c] = progressStages((f) => seen.push(f), [1, 3, 0]);
    a!(0.5);
    a!(1);
    b!(0.5);
    b!(2);
    c!(1);
    expect(seen).toEqual([0.125, 0.25, 0.625, 1, 1]);
    expect(progressStages(undefined, [1, 2])).toEqual([undefined, undefined]);
  });

  it('throws the abort error at a checkpoint once aborted', async () => {
    const controller = new AbortController();
    const checkpoint = checkpoints(controller.signal, undefined, 0);
    await checkpoint(0.1);
    controller.abort(new Error('stop'));
    await expect(checkpoint(0.2)).rejects.toBeInstanceOf(CovlassoAbortError);
  });
});

describe('toolkit calls report progress and abort', () => {
  it('chooseLambdaByRecall', async () => {
    const { fractions, onProgress } = recorder();
    await chooseLambdaByRecall(F, F, labels, { fitRows: [0, 300], evalRows: [300, 400], nLambda: 10, onProgress });
    expectMonotoneToOne(fractions);
    const controller = new AbortController();
    const pending = chooseLambdaByRecall(F, F, labels, { fitRows: [0, 300], evalRows: [300, 400], nLambda: 10, signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(CovlassoAbortError);
  });

  it('crossDependencies in both directions with paths', async () => {
    const { fractions, onProgress } = recorder();
    await crossDependencies(F, new Matrix(N, C, randomLogits(N, C, 6)), { direction: 'both', path: { nLambda: 5 }, onProgress });
    expectMonotoneToOne(fractions);
  });

  it('unseenCategories from another model and from examples', async () => {
    const { fractions, onProgress } = recorder();
    await unseenCategories(F, labels, { unseen: [10, 11], fitRows: [0, 300], evalRows: [300, 400], logitsB: F, examples: 3, onProgress });
    expectMonotoneToOne(fractions);
  });

  it('dependencyDiagnostics (dense and range eigensolvers)', async () => {
    const S = covarianceSync(F, { center: true });
    for (const eigensolver of ['dense', 'range'] as const) {
      const { fractions, onProgress } = recorder();
      await dependencyDiagnostics(S, { eigensolver, onProgress });
      expectMonotoneToOne(fractions);
    }
    const controller = new AbortController();
    controller.abort();
    await expect(dependencyDiagnostics(S, { signal: controller.signal })).rejects.toBeInstanceOf(CovlassoAbortError);
  });
});

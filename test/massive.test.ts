/**
 * The solver on many categories (issue #10): C = 2000 low-rank (singular), near-singular and
 * ridged covariances, a spread of 100 targets each (the per-target path is the same as for
 * all C). Every target certified with the gap recomputed from the returned coefficients by the
 * independent reference formulas, objectives no worse than the reference CD's, and results
 * bitwise identical for threads 1/2/3.
 */
import { describe, expect, it } from '@jest/globals';
import { covLassoSync, Matrix } from '../lib';
import { lowRankCovariance, recompute, sameBytes } from './support/helpers';
import { referenceCovLasso, targetProblem } from './support/reference-lasso';

const C = 2000;
const targets = Array.from({ length: 100 }, (_, i) => Math.floor((i * C) / 100) + (i % 7));
const kinds: Array<[string, number]> = [['singular', 0], ['near-singular', 1e-8], ['ridged', 0.5]];

describe.each(kinds)('C = 2000, %s covariance', (name, ridge) => {
  const SD = lowRankCovariance(C, 64, 11 + Math.round(ridge * 10), ridge);
  const S = new Matrix(C, C, SD);

  it('certifies every target (gap recomputed) and beats the reference CD', () => {
    const r = covLassoSync(S, { targets, lambdaRatio: 0.1, threads: 1 });
    for (let k = 0; k < targets.length; k++) {
      expect(r.converged[k]).toBe(1);
      const again = recompute(SD, C, targets[k], r.lambda[k], r.coef, k);
      expect(again.gap).toBeLessThanOrEqual(1e-6 * again.d * (1 + 1e-6));
      expect(Math.abs(again.objective - r.objective[k])).toBeLessThanOrEqual(1e-9 * again.d);
    }
    for (const k of [0, 57]) {
      const t = targets[k];
      const { s, d } = targetProblem(SD, C, t);
      const ref = referenceCovLasso(SD, C, s, d, r.lambda[k], t, { maxSweeps: 20 });
      expect(r.objective[k]).toBeLessThanOrEqual(ref.objective + 1e-6 * d);
    }
  });

  it('is bitwise identical for threads 1, 2 and 3', () => {
    const runs = [1, 2, 3].map((threads) => covLassoSync(S, { targets, lambdaRatio: 0.1, threads }));
    for (const other of runs.slice(1)) {
      expect(sameBytes(other.coef.indptr, runs[0].coef.indptr)).toBe(true);
      expect(sameBytes(other.coef.indices, runs[0].coef.indices)).toBe(true);
      expect(sameBytes(other.coef.values, runs[0].coef.values)).toBe(true);
      expect(sameBytes(other.objective, runs[0].objective)).toBe(true);
      expect(sameBytes(other.iterations, runs[0].iterations)).toBe(true);
    }
  });
});

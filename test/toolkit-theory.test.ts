/** The TS eigensolver, ranks, best achievable errors, diagnostics and scaling vs direct computation. */
import { describe, expect, it } from '@jest/globals';
import { Matrix, bestResidualVariances, covariance, covLasso, dependencyDiagnostics, dependencyScaling, numericalRank, symmetricEigen } from '../lib';
import { gaussian, randomLogits, secondMoment } from './support/reference-lasso';

function randomSym(n: number, seed: number): Float64Array {
  const g = gaussian(seed);
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) S[i * n + j] = S[j * n + i] = g();
  return S;
}

/** Inverse by Gauss–Jordan with partial pivoting (direct computation for the tests). */
function inverse(S: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(S);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
    for (let k = 0; k < n; k++) {
      [a[c * n + k], a[p * n + k]] = [a[p * n + k], a[c * n + k]];
      [inv[c * n + k], inv[p * n + k]] = [inv[p * n + k], inv[c * n + k]];
    }
    const d = a[c * n + c];
    for (let k = 0; k < n; k++) { a[c * n + k] /= d; inv[c * n + k] /= d; }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r * n + c];
      for (let k = 0; k < n; k++) { a[r * n + k] -= f * a[c * n + k]; inv[r * n + k] -= f * inv[c * n + k]; }
    }
  }
  return inv;
}

describe('symmetricEigen', () => {
  for (const n of [1, 2, 5, 40]) {
    it(`S V = V Λ, Vᵀ V = I, ascending (n = ${n})`, () => {
      const S = randomSym(n, n);
      const { values, vectors } = symmetricEigen(S, n);
      const V = vectors!;
      for (let k = 1; k < n; k++) expect(values[k]).toBeGreaterThanOrEqual(values[k - 1]);
      let scale = 0;
      for (const v of values) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) {
        let sv = 0, vtv = 0;
        for (let j = 0; j < n; j++) { sv += S[i * n + j] * V[j * n + k]; vtv += V[j * n + i] * V[j * n + k]; }
        expect(Math.abs(sv - values[k] * V[i * n + k])).toBeLessThan(1e-12 * scale * n);
        expect(Math.abs(vtv - (i === k ? 1 : 0))).toBeLessThan(1e-12 * n);
      }
      const only = symmetricEigen(S, n, false);
      expect(only.vectors).toBeNull();
      only.values.forEach((v, k) => expect(Math.abs(v - values[k])).toBeLessThan(1e-12 * scale * n));
      let tr = 0, sum = 0;
      for (let i = 0; i < n; i++) { tr += S[i * n + i]; sum += values[i]; }
      expect(sum).toBeCloseTo(tr, 10);
    });
  }
  it('numerical rank of low-rank Gram matrices; rejects bad shapes', () => {
    const F = randomLogits(200, 30, 3, { rank: 7 });
    const S = secondMoment(F, 200, 30);
    // rank 7 plus the per-category bias randomLogits adds: the second moment has rank 8
    expect(numericalRank(symmetricEigen(S, 30, false).values)).toBe(8);
    expect(numericalRank(symmetricEigen(secondMoment(randomLogits(200, 30, 4), 200, 30), 30, false).values)).toBe(30);
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow();
  });
});

describe('best achievable relative error', () => {
  it('full rank: r²_t = 1 / (S⁻¹)_tt', () => {
    const n = 12;
    const S = secondMoment(randomLogits(100, n, 8), 100, n);
    const r2 = bestResidualVariances(symmetricEigen(S, n));
    const inv = inverse(S, n);
    for (let t = 0; t < n; t++) expect(r2[t]).toBeCloseTo(1 / inv[t * n + t], 10);
  });

  it('singular: 0 for categories in the span of others, the regression residual for the rest', () => {
    // columns 0..5 independent, 6 = col0 + 2·col1, 7 = col2 − col3
    const g = gaussian(5);
    const N = 80, n = 8;
    const F = new Float64Array(N * n);
    for (let r = 0; r < N; r++) {
      for (let j = 0; j < 6; j++) F[r * n + j] = g();
      F[r * n + 6] = F[r * n + 0] + 2 * F[r * n + 1];
      F[r * n + 7] = F[r * n + 2] - F[r * n + 3];
    }
    const S = secondMoment(F, N, n);
    const r2 = bestResidualVariances(symmetricEigen(S, n));
    for (const t of [0, 1, 2, 3, 6, 7]) expect(r2[t]).toBe(0);
    // categories 4 and 5 are outside the span of the others: regress on the independent set {others of 0..5}
    for (const t of [4, 5]) {
      const others = [0, 1, 2, 3, 4, 5].filter((j) => j !== t);
      const m = others.length;
      const G = new Float64Array(m * m);
      others.forEach((a, i) => others.forEach((b, k) => (G[i * m + k] = S[a * n + b])));
      const Gi = inverse(G, m);
      let quad = 0;
      others.forEach((a, i) => others.forEach((b, k) => (quad += S[a * n + t] * Gi[i * m + k] * S[b * n + t])));
      expect(r2[t]).toBeCloseTo(S[t * n + t] - quad, 10);
    }
  });
});

describe('dependencyDiagnostics / dependencyScaling', () => {
  const F = new Matrix(300, 40, randomLogits(300, 40, 9, { rank: 12 }));
  it('λ_max, rank, best ≤ lasso error, histogram and counts', async () => {
    const S = await covariance(F, { center: true });
    const d = await dependencyDiagnostics(S, { lambdaRatio: 0.05, thresholds: [1e-6, 0.5] });
    expect(d.rank).toBe(12);
    expect(d.spectrum[0]).toBeGreaterThanOrEqual(d.spectrum[39]);
    const res = await covLasso(S, { lambdaRatio: 0.05 });
    expect(d.lambdaMax).toEqual(Array.from(res.lambdaMax));
    expect(d.lasso.relativeError).toEqual(Array.from(res.relativeError));
    d.bestRelativeError!.forEach((b, t) => expect(b).toBeLessThanOrEqual(d.lasso.relativeError[t] + 1e-12));
    // rank 12 < 40: every category is in the span of the others
    expect(d.bestBelow![0].count).toBe(40);
    expect(d.lasso.sparsityHistogram.reduce((a, b) => a + b, 0)).toBe(40);
    d.lasso.sparsityHistogram.forEach((h, k) => expect(h).toBe(d.lasso.nnz.filter((v) => v === k).length));
    expect(d.lasso.below[1].count).toBe(d.lasso.relativeError.filter((v) => v <= 0.5).length);
  });
  it('scaling: subsets of the covariance, rank min(size, 12)', async () => {
    const rows = await dependencyScaling(F, { sizes: [5, 10, 20, 40], lambdaRatio: 0.1 });
    expect(rows.map((r) => r.rank)).toEqual([5, 10, 12, 12]);
    expect(rows.map((r) => r.categories.length)).toEqual([5, 10, 20, 40]);
    const S = await covariance(F, { center: true });
    const cats = rows[1].categories;
    const sub = new Float64Array(100);
    cats.forEach((a, i) => cats.forEach((b, k) => (sub[i * 10 + k] = S.data[a * 40 + b])));
    const res = await covLasso(new Matrix(10, 10, sub), { lambdaRatio: 0.1 });
    const nnz = Array.from({ length: 10 }, (_, k) => res.coef.indptr[k + 1] - res.coef.indptr[k]);
    expect(rows[1].meanNnz).toBeCloseTo(nnz.reduce((a, b) => a + b, 0) / 10, 12);
    expect(rows[1].meanRelativeError).toBeCloseTo(Array.from(res.relativeError).reduce((a, b) => a + b, 0) / 10, 12);
  });
});

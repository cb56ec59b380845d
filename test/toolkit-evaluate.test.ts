/**
 * evaluateReplacement against a naive recomputation: copy the logits, overwrite the column(s),
 * take each row's argmax (first index on ties), count.
 */
import { describe, expect, it } from '@jest/globals';
import { DependencyLike, Matrix, evaluateReplacement } from '../lib';
import { gaussian } from './support/reference-lasso';

function argmax(row: ArrayLike<number>): number {
  let b = -Infinity, bi = -1;
  for (let c = 0; c < row.length; c++) if (row[c] > b) { b = row[c]; bi = c; }
  return bi;
}

function naive(X: Matrix, src: Matrix, y: ArrayLike<number>, deps: DependencyLike[], all: boolean, only?: DependencyLike): { acc: number; recall: number } {
  let correct = 0, sup = 0, hit = 0;
  for (let r = 0; r < X.rows; r++) {
    const row = Array.from(X.row(r), Number);
    for (const d of all ? deps : only ? [only] : []) {
      let v = d.intercept ?? 0;
      for (let q = 0; q < d.sources.length; q++) v += d.coef[q] * src.get(r, d.sources[q]);
      row[d.target] = v;
    }
    const p = argmax(row);
    if (p === y[r]) correct++;
    if (only && y[r] === only.target) { sup++; if (p === only.target) hit++; }
  }
  return { acc: correct / X.rows, recall: sup ? hit / sup : NaN };
}

function data(n: number, c: number, seed: number): { X: Matrix; B: Matrix; y: Int32Array } {
  const g = gaussian(seed);
  const X = new Float32Array(n * c);
  const B = new Float64Array(n * (c + 2));
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    y[r] = r % c;
    for (let j = 0; j < c; j++) X[r * c + j] = g() + (j === y[r] ? 1.5 : 0);
    for (let j = 0; j < c + 2; j++) B[r * (c + 2) + j] = (j < c ? X[r * c + j] : 0) + 0.5 * g();
    // exact ties now and then
    if (r % 17 === 0) X[r * c + ((y[r] + 1) % c)] = X[r * c + y[r]];
  }
  return { X: new Matrix(n, c, X), B: new Matrix(n, c + 2, B), y };
}

function randomDeps(c: number, srcCols: number, seed: number, k: number): DependencyLike[] {
  const g = gaussian(seed);
  const out: DependencyLike[] = [];
  for (let t = 0; t < k; t++) {
    const target = (t * 3) % c;
    const sources = [(target + 1) % srcCols, (target + 2) % srcCols, (target + 5) % srcCols].filter((s) => srcCols > c || s !== target);
    out.push({ target, sources, coef: sources.map(() => 0.6 + 0.3 * g()), intercept: t % 2 ? 0.2 * g() : undefined, name: `t${target}` });
  }
  return out;
}

describe('evaluateReplacement', () => {
  const { X, B, y } = data(500, 12, 3);

  it('within a model: per target and all at once equal the naive recomputation', () => {
    const deps = randomDeps(12, 12, 9, 4);
    const ev = evaluateReplacement(X, y, deps);
    expect(ev.rows).toBe(500);
    expect(ev.accuracyBefore).toBeCloseTo(naive(X, X, y, deps, false).acc, 15);
    expect(ev.accuracyAllReplaced).toBeCloseTo(naive(X, X, y, deps, true).acc, 15);
    deps.forEach((d, k) => {
      const before = naive(X, X, y, [], false, { ...d, sources: [], coef: [], intercept: undefined });
      const after = naive(X, X, y, deps, false, d);
      const t = ev.targets[k];
      expect(t.target).toBe(d.target);
      expect(t.name).toBe(d.name);
      expect(t.accuracyAfter).toBeCloseTo(after.acc, 15);
      expect(t.recallAfter).toBeCloseTo(after.recall, 15);
      expect(t.accuracyBefore).toBeCloseTo(ev.accuracyBefore, 15);
      // "before": recall of the original logits
      let sup = 0, hit = 0;
      for (let r = 0; r < 500; r++) if (y[r] === d.target) { sup++; if (argmax(X.row(r)) === d.target) hit++; }
      expect(t.support).toBe(sup);
      expect(t.recallBefore).toBeCloseTo(hit / sup, 15);
      expect(before.acc).toBeLessThanOrEqual(1);
    });
  });

  it('across models (sourceLogits), with a row range and int64 labels', () => {
    const deps = randomDeps(12, 14, 4, 6);
    const y64 = BigInt64Array.from(y, (v) => BigInt(v));
    const ev = evaluateReplacement(X, y64, { targets: deps }, { sourceLogits: B, rows: [100, 400] });
    const Xs = X.sliceRows(100, 400), Bs = B.sliceRows(100, 400), ys = y.subarray(100, 400);
    expect(ev.rows).toBe(300);
    expect(ev.accuracyAllReplaced).toBeCloseTo(naive(Xs, Bs, ys, deps, true).acc, 15);
    deps.forEach((d, k) => {
      const after = naive(Xs, Bs, ys, deps, false, d);
      expect(ev.targets[k].accuracyAfter).toBeCloseTo(after.acc, 15);
      expect(ev.targets[k].recallAfter).toBeCloseTo(after.recall, 15);
    });
  });

  it('the identity replacement changes nothing; bad input is rejected', () => {
    const ident = [0, 3, 7].map((t) => ({ target: t, sources: [t], coef: [1] }));
    const ev = evaluateReplacement(X, y, ident, { sourceLogits: X });
    expect(ev.accuracyAllReplaced).toBe(ev.accuracyBefore);
    for (const t of ev.targets) {
      expect(t.accuracyAfter).toBe(t.accuracyBefore);
      expect(t.recallAfter).toBe(t.recallBefore);
    }
    expect(() => evaluateReplacement(X, y.subarray(1), ident)).toThrow(/labels/);
    expect(() => evaluateReplacement(X, y, [{ target: 12, sources: [], coef: [] }])).toThrow(/outside/);
    expect(() => evaluateReplacement(X, y, [{ target: 1, sources: [99], coef: [1] }])).toThrow(/outside/);
  });
});

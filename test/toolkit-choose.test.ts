/** chooseLambdaByRecall and unseenCategories against direct computation on small synthetic models. */
import { describe, expect, it } from '@jest/globals';
import { Matrix, TargetDependency, chooseLambdaByRecall, covariance, covLasso, covLassoPath, crossDependencies, unseenCategories } from '../lib';
import { gaussian } from './support/reference-lasso';

const n = 900, c = 10;
const g = gaussian(77);
const labels = Int32Array.from({ length: n }, (_, i) => i % c);
// A nearest-mean classifier over a 6-d feature: logits live in a rank-6 space, so categories
// depend on each other (C = 10 > 6) and the class signal is carried by the dependencies.
const d = 6;
const mu = Float64Array.from({ length: c * d }, () => 1.2 * g());
const a = new Float64Array(n * c), b = new Float64Array(n * c);
for (let i = 0; i < n; i++) {
  const h = Array.from({ length: d }, (_, k) => mu[labels[i] * d + k] + 0.6 * g());
  for (let j = 0; j < c; j++) {
    let v = 0;
    for (let k = 0; k < d; k++) v += h[k] * mu[j * d + k];
    a[i * c + j] = v + 0.05 * g();
    b[i * c + j] = 1.3 * v + 0.5 + 0.05 * g();
  }
}
const A = new Matrix(n, c, a), B = new Matrix(n, c, b);

function argmax(row: number[]): number {
  let bi = 0;
  for (let k = 1; k < row.length; k++) if (row[k] > row[bi]) bi = k;
  return bi;
}

/** Accuracy / recall with column t of rows [600, 900) replaced by Σ coef·A + intercept (naive). */
function naive(t: number, sources: number[], coef: number[], intercept = 0): { accuracy: number; recall: number } {
  let ok = 0, sup = 0, hit = 0;
  for (let i = 600; i < 900; i++) {
    const row = Array.from(A.row(i));
    row[t] = intercept + sources.reduce((s, j, q) => s + coef[q] * A.get(i, j), 0);
    const p = argmax(row);
    if (p === labels[i]) ok++;
    if (labels[i] === t) { sup++; if (p === t) hit++; }
  }
  return { accuracy: ok / 300, recall: hit / sup };
}

describe('chooseLambdaByRecall', () => {
  for (const center of [false, true]) {
    it(`the sparsest path solution within tolerances; the 0.02 reference (center ${center})`, async () => {
      const opts = { fitRows: [0, 600] as [number, number], evalRows: [600, 900] as [number, number], nLambda: 12, ratioMin: 0.01, recallTolerance: 0.05, accuracyTolerance: 0.01, center };
      const r = await chooseLambdaByRecall(A, A, labels, opts);
      expect(r.referenceRatio).toBe(0.02);
      expect(r.evalRows).toBe(300);
      const S = await covariance(A.sliceRows(0, 600), { center });
      const path = await covLassoPath(S, { nLambda: 12, ratioMin: 0.01 });
      const ref = await covLasso(S, { lambdaRatio: 0.02 });
      const mu = new Float64Array(c);
      if (center) for (let i = 0; i < 600; i++) for (let j = 0; j < c; j++) mu[j] += a[i * c + j] / 600;
      for (const ch of r.targets) {
        const t = ch.target;
        const before = naive(t, [], [], 0);
        const orig = (() => { let ok = 0, sup = 0, hit = 0; for (let i = 600; i < 900; i++) { const p = argmax(Array.from(A.row(i))); if (p === labels[i]) ok++; if (labels[i] === t) { sup++; if (p === t) hit++; } } return { accuracy: ok / 300, recall: hit / sup }; })();
        expect(ch.accuracyBefore).toBeCloseTo(orig.accuracy, 15);
        expect(ch.recallBefore).toBeCloseTo(orig.recall, 15);
        expect(before.accuracy).toBeLessThanOrEqual(1);
        // walk the path naively
        let want: number | null = null;
        for (let l = 0; l < 12 && want === null; l++) {
          const col = t * 12 + l;
          const src = Array.from(path.coef.indices.subarray(path.coef.indptr[col], path.coef.indptr[col + 1]));
          const cf = Array.from(path.coef.values.subarray(path.coef.indptr[col], path.coef.indptr[col + 1]));
          const ic = center ? mu[t] - src.reduce((s, j, q) => s + cf[q] * mu[j], 0) : 0;
          const s = naive(t, src, cf, ic);
          if (s.recall >= orig.recall - 0.05 - 1e-12 && s.accuracy >= orig.accuracy - 0.01 - 1e-12) {
            want = l;
            expect(ch.chosen!.recall).toBeCloseTo(s.recall, 15);
            expect(ch.chosen!.accuracy).toBeCloseTo(s.accuracy, 15);
            expect(ch.chosen!.sources).toEqual(src);
            expect(ch.chosen!.lambdaRatio).toBeCloseTo(path.ratios![l], 15);
          }
        }
        if (want === null) expect(ch.chosen).toBeNull();
        const rs = Array.from(ref.coef.indices.subarray(ref.coef.indptr[t], ref.coef.indptr[t + 1]));
        expect(ch.reference.sources).toEqual(rs);
        expect(ch.reference.relativeError).toBe(ref.relativeError[t]);
        const rc = Array.from(ref.coef.values.subarray(ref.coef.indptr[t], ref.coef.indptr[t + 1]));
        const ric = center ? mu[t] - rs.reduce((s, j, q) => s + rc[q] * mu[j], 0) : 0;
        expect(ch.reference.recall).toBeCloseTo(naive(t, rs, rc, ric).recall, 15);
      }
      expect(r.targets.some((t) => t.chosen !== null)).toBe(true);
    });
  }
});

describe('unseenCategories', () => {
  it('constructions equal cross-model fits on column subsets; scores equal naive argmax', async () => {
    const unseen = [7, 8, 9];
    const known = [0, 1, 2, 3, 4, 5, 6];
    const r = await unseenCategories(A, labels, { unseen, fitRows: [0, 600], evalRows: [600, 900], logitsB: B, examples: 5, lambdaRatio: 0.05, examplesLambdaRatio: 0.01, names: 'abcdefghij'.split('') });
    expect(r.known).toBe(7);
    expect(r.evalUnseenRows).toBe(90);
    const score = (values: ((i: number) => number)[] | 'orig' | 'known') => {
      let ok = 0, okU = 0;
      for (let i = 600; i < 900; i++) {
        const row = Array.from(A.row(i));
        if (values === 'known') unseen.forEach((u) => (row[u] = -Infinity));
        else if (values !== 'orig') unseen.forEach((u, k) => (row[u] = values[k](i)));
        const hit = argmax(row) === labels[i];
        if (hit) { ok++; if (unseen.includes(labels[i])) okU++; }
      }
      return { accuracy: ok / 300, accuracyUnseen: okU / 90 };
    };
    expect(r.original).toMatchObject(score('orig'));
    expect(r.knownOnly.accuracyUnseen).toBe(0);
    expect(r.knownOnly.accuracy).toBeCloseTo(score('known').accuracy, 15);
    // (a): B's unseen columns from A's known columns, centered, λ ratio 0.05
    const pick = (M: Matrix, cols: number[], r0: number, r1: number) => new Matrix(r1 - r0, cols.length, Float64Array.from({ length: (r1 - r0) * cols.length }, (_, k) => M.get(r0 + Math.floor(k / cols.length), cols[k % cols.length])));
    const { aFromB } = await crossDependencies(pick(B, unseen, 0, 600), pick(A, known, 0, 600), { center: true, lambdaRatio: 0.05 });
    r.fromModel!.targets.forEach((d, k) => {
      expect(d.target).toBe(unseen[k]);
      expect(d.name).toBe('abcdefghij'[unseen[k]]);
      expect(d.sources).toEqual(aFromB!.targets[k].sources.map((j) => known[j]));
      expect(d.objective).toBe(aFromB!.targets[k].objective);
    });
    const fn = (deps: TargetDependency[]) => deps.map((d) => (i: number) => (d.intercept ?? 0) + d.sources.reduce((s, j, q) => s + d.coef[q] * A.get(i, j), 0));
    const sm = score(fn(r.fromModel!.targets));
    expect(r.fromModel!.accuracy).toBeCloseTo(sm.accuracy, 15);
    expect(r.fromModel!.accuracyUnseen).toBeCloseTo(sm.accuracyUnseen, 15);
    // (b): the indicator target over known-class fit rows + the first 5 rows of each unseen class
    const rows: number[] = [];
    const taken = new Map<number, number>();
    for (let i = 0; i < 600; i++) {
      const l = labels[i];
      if (!unseen.includes(l)) rows.push(i);
      else if ((taken.get(l) ?? 0) < 5) { taken.set(l, (taken.get(l) ?? 0) + 1); rows.push(i); }
    }
    expect(rows.length).toBe(420 + 15);
    let scale = 0;
    for (const i of rows) scale += Math.max(...known.map((j) => A.get(i, j))) / rows.length;
    expect(r.fromExamples!.scale).toBeCloseTo(scale, 10);
    const X = new Matrix(rows.length, 7, Float64Array.from({ length: rows.length * 7 }, (_, k) => A.get(rows[Math.floor(k / 7)], known[k % 7])));
    const T = new Matrix(rows.length, 3, Float64Array.from({ length: rows.length * 3 }, (_, k) => (labels[rows[Math.floor(k / 3)]] === unseen[k % 3] ? scale : 0)));
    const ex = await crossDependencies(T, X, { center: true, lambdaRatio: 0.01 });
    r.fromExamples!.targets.forEach((d, k) => {
      expect(d.objective).toBeCloseTo(ex.aFromB!.targets[k].objective, 12);
      expect(d.sources).toEqual(ex.aFromB!.targets[k].sources.map((j) => known[j]));
      // calibrated: mean over the k examples = scale, mean over the other fit rows = their mean known logit
      let pos = 0, neg = 0, negT = 0, nPos = 0, nNeg = 0;
      rows.forEach((i) => {
        const v = (d.intercept ?? 0) + d.sources.reduce((s, j, q) => s + d.coef[q] * A.get(i, j), 0);
        if (labels[i] === unseen[k]) { pos += v; nPos++; } else { neg += v; nNeg++; negT += known.reduce((s, j) => s + A.get(i, j), 0) / 7; }
      });
      expect(nPos).toBe(5);
      expect(pos / nPos).toBeCloseTo(scale, 9);
      expect(neg / nNeg).toBeCloseTo(negT / nNeg, 9);
      const ratio = d.coef[0] / ex.aFromB!.targets[k].coef[0];
      d.coef.forEach((cf, q) => expect(cf).toBeCloseTo(ratio * ex.aFromB!.targets[k].coef[q], 12));
    });
    const se = score(fn(r.fromExamples!.targets));
    expect(r.fromExamples!.accuracy).toBeCloseTo(se.accuracy, 15);
    expect(r.fromExamples!.accuracyUnseen).toBeCloseTo(se.accuracyUnseen, 15);
    expect(r.fromModel!.accuracyUnseen).toBeGreaterThan(0.5);
    await expect(unseenCategories(A, labels, { unseen: [10], fitRows: [0, 600], evalRows: [600, 900] })).rejects.toThrow(/outside/);
  });
});

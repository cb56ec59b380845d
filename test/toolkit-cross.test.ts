/**
 * crossDependencies and solveGeneral against direct computation: moments summed here in
 * float64, objectives/gaps from the independent reference, intercepts checked on raw rows.
 */
import { describe, expect, it } from '@jest/globals';
import { Matrix, crossDependencies, findDependencies } from '../lib';
import { dualityGap, gaussian, objectiveOf, referenceCovLasso } from './support/reference-lasso';

function twoModels(n: number, ca: number, cb: number, seed: number): { A: Matrix; B: Matrix } {
  const g = gaussian(seed);
  const r = 6;
  const H = Float64Array.from({ length: n * r }, () => g());
  const make = (c: number, noise: number, f32: boolean): Matrix => {
    const W = Float64Array.from({ length: r * c }, () => g());
    const out = f32 ? new Float32Array(n * c) : new Float64Array(n * c);
    for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) {
      let v = 0.3 + 0.2 * j / c;
      for (let k = 0; k < r; k++) v += H[i * r + k] * W[k * c + j];
      out[i * c + j] = v + noise * g();
    }
    return new Matrix(n, c, out);
  };
  return { A: make(ca, 0.05, false), B: make(cb, 0.05, false) };
}

/** Naive moments of target column t of T and source columns of X over rows [0, n). */
function naiveProblem(X: Matrix, T: Matrix, t: number, center: boolean): { G: Float64Array; s: Float64Array; d: number; mx: Float64Array; mt: number } {
  const n = X.rows, p = X.cols;
  const mx = new Float64Array(p);
  let mt = 0;
  if (center) {
    for (let i = 0; i < n; i++) { for (let j = 0; j < p; j++) mx[j] += X.get(i, j) / n; mt += T.get(i, t) / n; }
  }
  const G = new Float64Array(p * p), s = new Float64Array(p);
  let d = 0;
  for (let i = 0; i < n; i++) {
    const y = T.get(i, t) - mt;
    d += (y * y) / n;
    for (let a = 0; a < p; a++) {
      const xa = X.get(i, a) - mx[a];
      s[a] += (xa * y) / n;
      for (let b = 0; b < p; b++) G[a * p + b] += (xa * (X.get(i, b) - mx[b])) / n;
    }
  }
  return { G, s, d, mx, mt };
}

describe('crossDependencies', () => {
  const { A, B } = twoModels(400, 7, 9, 11);

  for (const center of [false, true]) {
    it(`A<-B and B<-A match the reference objective and certificate (center ${center})`, async () => {
      const res = await crossDependencies(A, B, { direction: 'both', lambdaRatio: 0.05, center, rows: [0, 300], tol: 1e-9 });
      const Af = A.sliceRows(0, 300), Bf = B.sliceRows(0, 300);
      for (const [rep, X, T] of [[res.aFromB!, Bf, Af], [res.bFromA!, Af, Bf]] as const) {
        expect(rep.targets.length).toBe(T.cols);
        expect(rep.sourceCategories).toBe(X.cols);
        expect(rep.samples).toBe(300);
        for (const dep of rep.targets) {
          const { G, s, d, mx, mt } = naiveProblem(X, T, dep.target, center);
          let lmax = 0;
          for (const v of s) lmax = Math.max(lmax, Math.abs(v));
          expect(dep.lambdaMax).toBeCloseTo(lmax, 9);
          expect(dep.lambda).toBeCloseTo(0.05 * lmax, 9);
          const beta = new Float64Array(X.cols);
          dep.sources.forEach((j, q) => (beta[j] = dep.coef[q]));
          const ref = referenceCovLasso(G, X.cols, s, d, dep.lambda, -1, { tol: 1e-12 });
          const obj = objectiveOf(G, X.cols, s, d, dep.lambda, beta);
          expect(obj).toBeLessThanOrEqual(ref.objective + 1e-8 * d);
          expect(Math.abs(dep.objective - obj)).toBeLessThan(1e-8 * d);
          expect(dualityGap(G, X.cols, s, d, dep.lambda, beta, -1)).toBeLessThanOrEqual(1e-8 * d);
          // The objective on raw rows: ½ mean (a_t − Bβ − c)² + λ‖β‖₁ with the reported intercept.
          const c = dep.intercept ?? 0;
          if (center) expect(c).toBeCloseTo(mt - dep.sources.reduce((acc, j, q) => acc + dep.coef[q] * mx[j], 0), 9);
          else expect(dep.intercept).toBeUndefined();
          let sq = 0;
          for (let i = 0; i < 300; i++) {
            let r = T.get(i, dep.target) - c;
            dep.sources.forEach((j, q) => (r -= dep.coef[q] * X.get(i, j)));
            sq += r * r;
          }
          const l1 = dep.coef.reduce((a, b) => a + Math.abs(b), 0);
          expect(0.5 * sq / 300 + dep.lambda * l1).toBeCloseTo(dep.objective, 7);
          expect(dep.relativeError).toBeCloseTo(dep.residualVariance / d, 9);
        }
      }
    });
  }

  it('carries names of both models, honours targets, direction and path', async () => {
    const namesA = Array.from({ length: 7 }, (_, i) => `a${i}`);
    const namesB = Array.from({ length: 9 }, (_, i) => `b"${i}`);
    const { aFromB, bFromA } = await crossDependencies(A, B, { namesA, namesB, targets: [2, 5], lambdaRatio: 0.1, path: { nLambda: 5, ratioMin: 0.01 } });
    expect(bFromA).toBeUndefined();
    expect(aFromB!.direction).toBe('A<-B');
    expect(aFromB!.targets.map((t) => t.target)).toEqual([2, 5]);
    expect(aFromB!.targets[0].name).toBe('a2');
    expect(aFromB!.targets[0].sourceNames).toEqual(aFromB!.targets[0].sources.map((j) => `b"${j}`));
    const p = aFromB!.targets[1].path!;
    expect(p.lambdas.length).toBe(5);
    expect(p.nnz[0]).toBe(0);
    expect(p.ratios![4]).toBeCloseTo(0.01, 12);
    expect(p.relativeError[4]).toBeLessThan(p.relativeError[0]);
    await expect(crossDependencies(A, B.sliceRows(0, 10))).rejects.toThrow(/same rows/);
    await expect(crossDependencies(A, B, { direction: 'x' as never })).rejects.toThrow(/direction/);
  });
});

describe('findDependencies extensions', () => {
  const { A } = twoModels(300, 8, 3, 5);
  it('fitLogits, path data and names in every output', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `字${i}`);
    const viaRows = await findDependencies(A, { rows: [0, 200], lambdaRatio: 0.2, names });
    const viaFit = await findDependencies(A.sliceRows(200, 300), { fitLogits: A.sliceRows(0, 200), lambdaRatio: 0.2, names, path: { nLambda: 4, ratioMin: 0.1 } });
    expect(viaFit.samples).toBe(200);
    viaFit.targets.forEach((t, k) => {
      expect(t.objective).toBe(viaRows.targets[k].objective);
      expect(t.name).toBe(`字${t.target}`);
      expect(t.sourceNames).toEqual(t.sources.map((s) => `字${s}`));
      expect(t.path!.lambdas.length).toBe(4);
      expect(t.path!.lambdas[0]).toBeCloseTo(t.lambdaMax, 12);
      expect(t.path!.lambdas[3]).toBeCloseTo(0.1 * t.lambdaMax, 12);
      expect(t.path!.nnz[0]).toBe(0);
      expect(t.path!.relativeError[0]).toBeCloseTo(1, 12);
    });
  });
});

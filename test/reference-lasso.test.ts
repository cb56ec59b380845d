/**
 * Tests of the test utilities in ./support/reference-lasso.ts: the slow reference
 * CovLasso solver, its objective/gap formulas, the synthetic logits generator and the
 * naive covariances. The rest of the suite trusts these, so they are checked against
 * closed forms and against scikit-learn.
 */
import { describe, expect, test } from '@jest/globals';
import {
  centeredCovariance,
  dualityGap,
  gaussian,
  lambdaMaxOf,
  mulberry32,
  objectiveOf,
  randomLogits,
  referenceCovLasso,
  secondMoment,
  targetProblem,
} from './support/reference-lasso';

/** Numerical rank by Gaussian elimination with full pivoting (relative tolerance). */
function numericalRank(A: Float64Array, c: number, relTol = 1e-9): number {
  const M = Float64Array.from(A);
  let maxAbs = 0;
  for (const v of M) maxAbs = Math.max(maxAbs, Math.abs(v));
  let rank = 0;
  const rows = Array.from({ length: c }, (_, i) => i);
  const cols = Array.from({ length: c }, (_, i) => i);
  for (let step = 0; step < c; step++) {
    let best = 0;
    let bi = -1;
    let bj = -1;
    for (let i = step; i < c; i++) {
      for (let j = step; j < c; j++) {
        const v = Math.abs(M[rows[i] * c + cols[j]]);
        if (v > best) {
          best = v;
          bi = i;
          bj = j;
        }
      }
    }
    if (best <= relTol * maxAbs) break;
    [rows[step], rows[bi]] = [rows[bi], rows[step]];
    [cols[step], cols[bj]] = [cols[bj], cols[step]];
    const pr = rows[step];
    const pc = cols[step];
    for (let i = step + 1; i < c; i++) {
      const r = rows[i];
      const f = M[r * c + pc] / M[pr * c + pc];
      for (let j = step; j < c; j++) M[r * c + cols[j]] -= f * M[pr * c + cols[j]];
    }
    rank++;
  }
  return rank;
}

describe('PRNG', () => {
  test('mulberry32 is deterministic and in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    expect(mulberry32(1)()).not.toBe(mulberry32(2)());
  });

  test('gaussian has roughly zero mean and unit variance', () => {
    const g = gaussian(7);
    const m = 20000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < m; i++) {
      const x = g();
      sum += x;
      sq += x * x;
    }
    expect(Math.abs(sum / m)).toBeLessThan(0.03);
    expect(Math.abs(sq / m - 1)).toBeLessThan(0.05);
  });
});

describe('randomLogits', () => {
  test('shape, dtype and determinism', () => {
    const F = randomLogits(30, 10, 20240611);
    expect(F).toBeInstanceOf(Float64Array);
    expect(F.length).toBe(300);
    // Pinned: the scikit-learn values below were computed from exactly this matrix.
    expect(F[0]).toBe(0.5389785798560119);
    expect(F[1]).toBe(-1.144109864745926);
    expect(randomLogits(30, 10, 20240611)).toEqual(F);
    const F32 = randomLogits(30, 10, 20240611, { float32: true });
    expect(F32).toBeInstanceOf(Float32Array);
    for (let k = 0; k < F.length; k++) expect(F32[k]).toBe(Math.fround(F[k]));
  });

  test('a width-d head gives a singular covariance', () => {
    const n = 60;
    const c = 12;
    const F = randomLogits(n, c, 3, { rank: 4 });
    expect(numericalRank(centeredCovariance(F, n, c), c)).toBe(4);
    expect(numericalRank(secondMoment(F, n, c), c)).toBe(5); // + the bias direction
    const Ffull = randomLogits(n, c, 3);
    expect(numericalRank(centeredCovariance(Ffull, n, c), c)).toBe(c);
  });

  test('offset shifts every logit and leaves the centered covariance unchanged', () => {
    const n = 50;
    const c = 6;
    const F = randomLogits(n, c, 9, { rank: 3 });
    const G = randomLogits(n, c, 9, { rank: 3, offset: 100 });
    for (let k = 0; k < F.length; k++) expect(G[k] - F[k]).toBeCloseTo(100, 10);
    const A = centeredCovariance(F, n, c);
    const B = centeredCovariance(G, n, c);
    for (let k = 0; k < A.length; k++) expect(Math.abs(A[k] - B[k])).toBeLessThan(1e-10);
  });

  test('rejects bad arguments', () => {
    expect(() => randomLogits(-1, 3, 1)).toThrow(RangeError);
    expect(() => randomLogits(3, 3, 1, { rank: 0 })).toThrow(RangeError);
  });
});

describe('secondMoment / centeredCovariance', () => {
  // F = [[1, 2], [3, 4], [5, 9]]
  const F = new Float64Array([1, 2, 3, 4, 5, 9]);

  test('second moment by hand', () => {
    const S = secondMoment(F, 3, 2);
    expect(Array.from(S)).toEqual([35 / 3, 59 / 3, 59 / 3, 101 / 3]);
  });

  test('centered covariance by hand, ddof 0 and 1', () => {
    // means 3 and 5; centered rows [-2,-3], [0,-1], [2,4]
    const S0 = centeredCovariance(F, 3, 2);
    expect(S0[0]).toBeCloseTo(8 / 3, 14);
    expect(S0[1]).toBeCloseTo(14 / 3, 14);
    expect(S0[2]).toBeCloseTo(14 / 3, 14);
    expect(S0[3]).toBeCloseTo(26 / 3, 14);
    const S1 = centeredCovariance(F, 3, 2, 1);
    expect(Array.from(S1)).toEqual([4, 7, 7, 13]);
    expect(() => centeredCovariance(F, 3, 2, 3)).toThrow(RangeError);
  });

  test('float32 input accumulates in float64', () => {
    const F32 = randomLogits(40, 5, 11, { float32: true });
    const F64 = Float64Array.from(F32);
    expect(secondMoment(F32, 40, 5)).toEqual(secondMoment(F64, 40, 5));
    expect(centeredCovariance(F32, 40, 5)).toEqual(centeredCovariance(F64, 40, 5));
  });
});

describe('referenceCovLasso', () => {
  test('orthogonal design: closed-form soft thresholding', () => {
    const p = 8;
    const g = gaussian(5);
    const G = new Float64Array(p * p);
    const s = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      G[j * p + j] = 0.5 + Math.abs(g());
      s[j] = 2 * g();
    }
    const d = 20;
    for (const lambda of [0, 0.3, 1, 2.5]) {
      for (const exclude of [-1, 3]) {
        const res = referenceCovLasso(G, p, s, d, lambda, exclude);
        expect(res.converged).toBe(true);
        for (let j = 0; j < p; j++) {
          const want =
            j === exclude ? 0 : (Math.sign(s[j]) * Math.max(Math.abs(s[j]) - lambda, 0)) / G[j * p + j];
          expect(res.beta[j]).toBeCloseTo(want, 14);
        }
        expect(res.gap).toBeLessThanOrEqual(1e-12 * d);
        expect(res.gap).toBeGreaterThanOrEqual(-1e-13 * d);
        expect(res.sweeps).toBeLessThanOrEqual(1);
        expect(res.objective).toBe(objectiveOf(G, p, s, d, lambda, res.beta));
      }
    }
  });

  test('lambda >= lambda_max gives beta = 0 with gap exactly 0', () => {
    const n = 40;
    const c = 7;
    const S = secondMoment(randomLogits(n, c, 21, { rank: 3 }), n, c);
    for (let t = 0; t < c; t++) {
      const { s, d } = targetProblem(S, c, t);
      const lmax = lambdaMaxOf(s, t);
      expect(lmax).toBeGreaterThan(0);
      for (const lambda of [lmax, 1.5 * lmax]) {
        const res = referenceCovLasso(S, c, s, d, lambda, t);
        expect(Array.from(res.beta)).toEqual(new Array(c).fill(0));
        expect(res.gap).toBe(0);
        expect(res.sweeps).toBe(0);
        expect(res.objective).toBe(d / 2);
      }
      // just below lambda_max the solution is not zero
      const res = referenceCovLasso(S, c, s, d, 0.99 * lmax, t);
      expect(res.beta.some((b) => b !== 0)).toBe(true);
      expect(res.beta[t]).toBe(0);
    }
  });

  /*
   * scikit-learn values for the 30 x 10 problem F = randomLogits(30, 10, 20240611), produced once
   * with Debian's python3-sklearn 1.2.1 / numpy 1.24.2 (/usr/bin/python3): F was dumped to JSON
   * from this module (JSON.stringify(Array.from(F))) and, for each target i and ratio r,
   *   idx = all columns but i; S = X0'X0/n (X0 = F, or F - mean(F) when centered);
   *   lam = r * max_{j != i} |S_ji|;
   *   m = Lasso(alpha=lam, fit_intercept=centered, tol=1e-14, max_iter=1000000).fit(F[:, idx], F[:, i])
   *   (no ConvergenceWarning); b = zeros(10); b[idx] = m.coef_;
   *   objective = 0.5*(S_ii - 2 b'S[:,i] + b'Sb) + lam*|b|_1   (checked equal, to 1e-12*S_ii, to
   *   sklearn's own (1/2n)|y - Xb - intercept|^2 + lam|b|_1), printed with 17 significant digits.
   * Rows are [target, ratio, objective].
   */
  const SKLEARN_SECOND: Array<[number, number, number]> = [
    [0, 0.5, 0.2072161492221294], [0, 0.1, 0.08176270515506741], [0, 0.01, 0.016313290404093177],
    [1, 0.5, 0.6130742324414232], [1, 0.1, 0.35043114688406884], [1, 0.01, 0.08301429113422094],
    [2, 0.5, 0.4952079212805385], [2, 0.1, 0.24802055118864785], [2, 0.01, 0.047259560767426045],
    [3, 0.5, 0.43180951815256036], [3, 0.1, 0.20316225837238938], [3, 0.01, 0.06331420378326068],
    [4, 0.5, 1.0654813778871974], [4, 0.1, 0.48482133984513553], [4, 0.01, 0.07914922909081341],
    [5, 0.5, 0.43703543455719757], [5, 0.1, 0.21837224258882976], [5, 0.01, 0.04372554180396283],
    [6, 0.5, 0.6356292317004089], [6, 0.1, 0.34398700922085396], [6, 0.01, 0.12824732504049913],
    [7, 0.5, 0.735476787268982], [7, 0.1, 0.31135645611935714], [7, 0.01, 0.04353153253710968],
    [8, 0.5, 0.586210769104313], [8, 0.1, 0.2659764748229096], [8, 0.01, 0.09290164927865546],
    [9, 0.5, 0.5937660859298396], [9, 0.1, 0.21857797499528475], [9, 0.01, 0.039594791676390836],
  ];
  const SKLEARN_CENTERED: Array<[number, number, number]> = [
    [0, 0.5, 0.20688463945393576], [0, 0.1, 0.08257257420696149], [0, 0.01, 0.01610983633284764],
    [1, 0.5, 0.5787932174755023], [1, 0.1, 0.34099841770137895], [1, 0.01, 0.0753048065913898],
    [2, 0.5, 0.4712126680680785], [2, 0.1, 0.2484462917645234], [2, 0.01, 0.046127923666188],
    [3, 0.5, 0.4308022528342596], [3, 0.1, 0.20126636630775352], [3, 0.01, 0.06299236999850055],
    [4, 0.5, 1.0371214671714377], [4, 0.1, 0.47404381044136407], [4, 0.01, 0.07580062456865104],
    [5, 0.5, 0.411851094875478], [5, 0.1, 0.19895955388346911], [5, 0.01, 0.037116673606632525],
    [6, 0.5, 0.6268736441677589], [6, 0.1, 0.3364838993252861], [6, 0.01, 0.12527846121191027],
    [7, 0.5, 0.7072820230937221], [7, 0.1, 0.29395391887022837], [7, 0.01, 0.03909329162236067],
    [8, 0.5, 0.5671448249349994], [8, 0.1, 0.2570170775693888], [8, 0.01, 0.08857230090685043],
    [9, 0.5, 0.5878227321787298], [9, 0.1, 0.21703645872860974], [9, 0.01, 0.03929777532264413],
  ];

  const sklearnCases: Array<[string, boolean, Array<[number, number, number]>]> = [
    ['second moment (fit_intercept=False)', false, SKLEARN_SECOND],
    ['centered (fit_intercept=True)', true, SKLEARN_CENTERED],
  ];
  for (const [name, centered, table] of sklearnCases) {
    test(`random 30x10 problem matches scikit-learn: ${name}`, () => {
      const n = 30;
      const c = 10;
      const F = randomLogits(n, c, 20240611);
      const S = centered ? centeredCovariance(F, n, c) : secondMoment(F, n, c);
      expect(table.length).toBe(30);
      for (const [t, r, skObjective] of table) {
        const { s, d } = targetProblem(S, c, t);
        const lambda = r * lambdaMaxOf(s, t);
        const res = referenceCovLasso(S, c, s, d, lambda, t);
        expect(res.converged).toBe(true);
        expect(res.beta[t]).toBe(0);
        expect(res.gap).toBeLessThanOrEqual(1e-12 * d);
        expect(Math.abs(res.objective - skObjective)).toBeLessThanOrEqual(1e-11 * d);
      }
    });
  }

  test('singular covariance (width-3 head): converges, gap >= 0 along the way', () => {
    const n = 40;
    const c = 12;
    const S = centeredCovariance(randomLogits(n, c, 77, { rank: 3, offset: 5 }), n, c);
    for (const t of [0, 5, 11]) {
      const { s, d } = targetProblem(S, c, t);
      const lambda = 0.05 * lambdaMaxOf(s, t);
      let prevObjective = Infinity;
      for (let sweeps = 1; sweeps <= 30; sweeps++) {
        const partial = referenceCovLasso(S, c, s, d, lambda, t, { maxSweeps: sweeps });
        expect(partial.gap).toBeGreaterThanOrEqual(-1e-13 * d);
        expect(partial.objective).toBeLessThanOrEqual(prevObjective + 1e-14 * d); // CD is monotone
        prevObjective = partial.objective;
      }
      const res = referenceCovLasso(S, c, s, d, lambda, t);
      expect(res.converged).toBe(true);
      expect(res.gap).toBeLessThanOrEqual(1e-12 * d);
      expect(res.gap).toBeGreaterThanOrEqual(-1e-13 * d);
      // the target is (almost) a linear combination of the others: small residual
      expect(res.objective).toBeLessThan(0.2 * d);
    }
  });

  test('duality gap is non-negative at arbitrary points and bounds the suboptimality', () => {
    const g = gaussian(123);
    for (let trial = 0; trial < 20; trial++) {
      const n = 25;
      const c = 9;
      const F = randomLogits(n, c, 1000 + trial, { rank: 1 + (trial % 9) });
      const S = trial % 2 ? centeredCovariance(F, n, c) : secondMoment(F, n, c);
      const t = trial % c;
      const { s, d } = targetProblem(S, c, t);
      const lambda = (0.02 + 0.2 * (trial % 5)) * lambdaMaxOf(s, t);
      const opt = referenceCovLasso(S, c, s, d, lambda, t);
      for (let k = 0; k < 20; k++) {
        const beta = new Float64Array(c);
        const scale = k % 4 === 0 ? 1e-3 : 0.5;
        for (let j = 0; j < c; j++) beta[j] = j === t ? 0 : opt.beta[j] + scale * g();
        const gap = dualityGap(S, c, s, d, lambda, beta, t);
        expect(gap).toBeGreaterThanOrEqual(0);
        // gap >= P(beta) - P* >= P(beta) - P(opt) - opt.gap
        const sub = objectiveOf(S, c, s, d, lambda, beta) - opt.objective;
        expect(gap).toBeGreaterThanOrEqual(sub - opt.gap - 1e-12 * d);
      }
    }
  });

  test('objectiveOf and dualityGap follow DESIGN.md literally on a tiny example', () => {
    // G = [[2, 1], [1, 3]], s = [1, -2], d = 4, beta = [0.5, -0.25], lambda = 0.1
    const G = new Float64Array([2, 1, 1, 3]);
    const s = new Float64Array([1, -2]);
    const beta = new Float64Array([0.5, -0.25]);
    // b's = 0.5 + 0.5 = 1; Gb = [0.75, -0.25]; b'Gb = 0.375 + 0.0625 = 0.4375
    // r2 = 4 - 2 + 0.4375 = 2.4375; P = 1.21875 + 0.1 * 0.75
    expect(objectiveOf(G, 2, s, 4, 0.1, beta)).toBeCloseTo(1.21875 + 0.075, 15);
    // g = s - Gb = [0.25, -1.75]: nu = 1.75 > 0.1, c = 0.1 / 1.75
    const cc = 0.1 / 1.75;
    const want = 0.5 * 2.4375 * (1 + cc * cc) + 0.075 - cc * (4 - 1);
    expect(dualityGap(G, 2, s, 4, 0.1, beta, -1)).toBeCloseTo(want, 15);
    // excluding coordinate 1 leaves nu = 0.25
    const c2 = 0.1 / 0.25;
    const want2 = 0.5 * 2.4375 * (1 + c2 * c2) + 0.075 - c2 * 3;
    expect(dualityGap(G, 2, s, 4, 0.1, beta, 1)).toBeCloseTo(want2, 15);
  });

  test('rejects inconsistent sizes and negative lambda', () => {
    const G = new Float64Array(4);
    const s = new Float64Array(2);
    expect(() => referenceCovLasso(G, 3, s, 1, 0.1, -1)).toThrow(RangeError);
    expect(() => referenceCovLasso(G, 2, new Float64Array(3), 1, 0.1, -1)).toThrow(RangeError);
    expect(() => referenceCovLasso(G, 2, s, 1, -1, -1)).toThrow(RangeError);
    expect(() => objectiveOf(G, 2, s, 1, 0.1, new Float64Array(1))).toThrow(RangeError);
  });
});

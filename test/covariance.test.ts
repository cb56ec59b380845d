/**
 * covariance(), crossMoments(), CovarianceAccumulator against the naive float64 references of
 * ./support/reference-lasso.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { CovarianceAccumulator, Matrix, covariance, covarianceSync, crossMoments, crossMomentsSync } from '../lib';
import { centeredCovariance, mulberry32, randomLogits, secondMoment } from './support/reference-lasso';
import { columnSquares, diag, naiveCross, sameBytes, scaledMaxError } from './support/helpers';

type Dt = 'float32' | 'float64';

function logits(n: number, c: number, seed: number, dtype: Dt, offset = 0, rank?: number): Float32Array | Float64Array {
  return randomLogits(n, c, seed, { float32: dtype === 'float32', offset, rank });
}

/** Reference for the requested moment and the per-column scale used to normalise errors. */
function reference(F: Float32Array | Float64Array, n: number, c: number, center: boolean, ddof: number): { S: Float64Array; scale: Float64Array } {
  if (!center) {
    const S = secondMoment(F, n, c);
    return { S, scale: diag(S, c) };
  }
  const S = centeredCovariance(F, n, c, ddof);
  // The centered diagonal can be 0 (N = 1); fall back to the second-moment scale then.
  const d = diag(S, c);
  const m = columnSquares(F, n, c);
  return { S, scale: d.map((v, j) => (v > 0 ? v : m[j])) };
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

describe('covariance() against the naive float64 reference', () => {
  const shapes: Array<[number, number]> = [
    [1, 1],
    [1, 5],
    [7, 1],
    [40, 7],
    [100, 16],
    [513, 33],
    [64, 129],
  ];
  const moments: Array<{ center: boolean; ddof: number }> = [
    { center: false, ddof: 0 },
    { center: true, ddof: 0 },
    { center: true, ddof: 1 },
  ];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [n, c] of shapes) {
      for (const { center, ddof } of moments) {
        if (center && n - ddof <= 0) continue;
        it(`${dtype} ${n}x${c} center=${center} ddof=${ddof}`, async () => {
          const F = logits(n, c, 1000 * n + c, dtype);
          const S = await covariance(new Matrix(n, c, F), center ? { center, ddof, productPrecision: 'float64' } : { productPrecision: 'float64' });
          expect(S).toBeInstanceOf(Matrix);
          expect(S.rows).toBe(c);
          expect(S.cols).toBe(c);
          expect(S.data).toBeInstanceOf(Float64Array);
          const ref = reference(F, n, c, center, ddof);
          expect(scaledMaxError(S.data as Float64Array, ref.S, c, c, ref.scale, ref.scale)).toBeLessThanOrEqual(1e-12);
          // The default products (float32 for float32 input): within 1e-6 of max|S| (issue #3's contract).
          const fast = await covariance(new Matrix(n, c, F), center ? { center, ddof } : {});
          if (dtype === 'float64') expect(sameBytes(fast.data, S.data)).toBe(true);
          expect(maxAbsDiff(fast.data as Float64Array, ref.S)).toBeLessThanOrEqual(1e-6 * maxAbs(ref.S));
          // exactly symmetric
          let asymmetric = 0;
          for (let a = 0; a < c; a++) for (let b = 0; b < a; b++) if (!Object.is(S.data[a * c + b], S.data[b * c + a])) asymmetric++;
          expect(asymmetric).toBe(0);
          if (center && n === 1) for (const v of S.data) expect(v).toBe(0);
        });
      }
    }
  }

  it('accepts a plain { rows, cols, data } object and does not modify the input', async () => {
    const F = logits(50, 6, 7, 'float64');
    const copy = Float64Array.from(F);
    const S = await covariance({ rows: 50, cols: 6, data: F });
    expect(sameBytes(F, copy)).toBe(true);
    expect(scaledMaxError(S.data as Float64Array, secondMoment(F, 50, 6), 6, 6, columnSquares(F, 50, 6), columnSquares(F, 50, 6))).toBeLessThanOrEqual(1e-12);
  });

  it('ddof is applied exactly: centered ddof=1 equals ddof=0 times n/(n-1)', async () => {
    const n = 37;
    const c = 9;
    const X = new Matrix(n, c, logits(n, c, 3, 'float64'));
    const S0 = await covariance(X, { center: true, ddof: 0 });
    const S1 = await covariance(X, { center: true, ddof: 1 });
    for (let k = 0; k < c * c; k++) expect(S1.data[k]).toBeCloseTo((S0.data[k] * n) / (n - 1), 12);
  });
});

describe('covariance() with logits offset by 1e6 (centered stays accurate)', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    for (const ddof of [0, 1]) {
      it(`${dtype} 2000x24, ddof ${ddof}: relative error <= 1e-9 vs the exactly shifted reference`, async () => {
        const n = 2000;
        const c = 24;
        const F = logits(n, c, 42 + ddof, dtype, 1e6);
        // F - 1e6 is exact in float64 (Sterbenz), so this reference has no cancellation.
        const shifted = new Float64Array(F.length);
        for (let k = 0; k < F.length; k++) shifted[k] = F[k] - 1e6;
        const ref = centeredCovariance(shifted, n, c, ddof);
        const d = diag(ref, c);
        for (const v of d) expect(v).toBeGreaterThan(0.01);
        const S = await covariance(new Matrix(n, c, F), { center: true, ddof });
        expect(scaledMaxError(S.data as Float64Array, ref, c, c, d, d)).toBeLessThanOrEqual(1e-9);
        const S2 = covarianceSync(new Matrix(n, c, F), { center: true, ddof });
        expect(scaledMaxError(S2.data as Float64Array, ref, c, c, d, d)).toBeLessThanOrEqual(1e-9);
      });
    }
  }
});

describe('covariance() is bitwise reproducible across thread counts', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const center of [false, true]) {
      it(`${dtype} 3001x67 center=${center}: threads 1, 2, 3 and default give identical bytes`, async () => {
        const X = new Matrix(3001, 67, logits(3001, 67, 5, dtype, 3));
        const base = await covariance(X, { center, threads: 1 });
        for (const threads of [2, 3, undefined]) {
          const S = await covariance(X, { center, threads });
          expect(sameBytes(S.data, base.data)).toBe(true);
          const Ss = covarianceSync(X, { center, threads });
          expect(sameBytes(Ss.data, base.data)).toBe(true);
        }
      });
    }
  }
});

describe('covarianceSync() == covariance()', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}, second moment and centered`, async () => {
      const X = new Matrix(300, 21, logits(300, 21, 11, dtype, -2));
      for (const opts of [{}, { center: true }, { center: true, ddof: 1 }]) {
        const a = await covariance(X, opts);
        const b = covarianceSync(X, opts);
        expect(sameBytes(a.data, b.data)).toBe(true);
      }
    });
  }
});

describe('crossMoments()', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const { center, ddof } of [{ center: false, ddof: 0 }, { center: true, ddof: 0 }, { center: true, ddof: 1 }]) {
      it(`${dtype} p=13, q=5, center=${center} ddof=${ddof} matches the naive reference`, async () => {
        const n = 257;
        const p = 13;
        const q = 5;
        const X = logits(n, p, 21, dtype, 1);
        const Y = logits(n, q, 22, dtype, -1);
        const M = await crossMoments(new Matrix(n, p, X), new Matrix(n, q, Y), { center, ddof, productPrecision: 'float64' });
        expect(M.rows).toBe(p);
        expect(M.cols).toBe(q);
        const ref = naiveCross(X, Y, n, p, q, center, ddof);
        const sx = center ? diag(centeredCovariance(X, n, p, ddof), p) : columnSquares(X, n, p);
        const sy = center ? diag(centeredCovariance(Y, n, q, ddof), q) : columnSquares(Y, n, q);
        expect(scaledMaxError(M.data as Float64Array, ref, p, q, sx, sy)).toBeLessThanOrEqual(1e-12);
        const Ms = crossMomentsSync(new Matrix(n, p, X), new Matrix(n, q, Y), { center, ddof, productPrecision: 'float64' });
        expect(sameBytes(Ms.data, M.data)).toBe(true);
        const fast = await crossMoments(new Matrix(n, p, X), new Matrix(n, q, Y), { center, ddof });
        expect(maxAbsDiff(fast.data as Float64Array, ref)).toBeLessThanOrEqual(1e-6 * maxAbs(ref));
      });
    }
  }

  it('crossMoments(X, X) equals covariance(X)', async () => {
    const X = new Matrix(200, 9, logits(200, 9, 23, 'float64'));
    const a = await crossMoments(X, X);
    const b = await covariance(X);
    expect(scaledMaxError(a.data as Float64Array, b.data as Float64Array, 9, 9, diag(b.data as Float64Array, 9), diag(b.data as Float64Array, 9))).toBeLessThanOrEqual(1e-14);
  });

  it('is bitwise identical for threads 1 and 2', async () => {
    const X = new Matrix(1500, 40, logits(1500, 40, 24, 'float32'));
    const Y = new Matrix(1500, 17, logits(1500, 17, 25, 'float32'));
    const a = await crossMoments(X, Y, { threads: 1, center: true });
    const b = await crossMoments(X, Y, { threads: 2, center: true });
    expect(sameBytes(a.data, b.data)).toBe(true);
  });
});

/** Random chunk boundaries covering 0..n (sizes 1..maxChunk). */
function chunkBounds(n: number, seed: number, maxChunk: number): number[] {
  const u = mulberry32(seed);
  const bounds = [0];
  while (bounds[bounds.length - 1] < n) bounds.push(Math.min(n, bounds[bounds.length - 1] + 1 + Math.floor(u() * maxChunk)));
  return bounds;
}

describe('CovarianceAccumulator', () => {
  const n = 1200;
  const c = 19;

  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: chunked updates of random sizes == one-shot covariance (<= 1e-12 relative), both moments`, async () => {
      const F = logits(n, c, 31, dtype, 2.5);
      const X = new Matrix(n, c, F);
      const acc = new CovarianceAccumulator(c);
      const bounds = chunkBounds(n, 32, 150);
      expect(bounds.length).toBeGreaterThan(5);
      // float64 products: chunk boundaries then cannot regroup the float32 runs of 64 rows.
      const exact = { productPrecision: 'float64' } as const;
      for (let k = 0; k + 1 < bounds.length; k++) await acc.update(X.sliceRows(bounds[k], bounds[k + 1]), exact);
      expect(acc.count).toBe(n);
      for (const opts of [{}, { center: true }, { center: true, ddof: 1 }]) {
        const one = await covariance(X, { ...opts, ...exact });
        const got = acc.result(opts);
        const d = diag(one.data as Float64Array, c);
        expect(scaledMaxError(got.data as Float64Array, one.data as Float64Array, c, c, d, d)).toBeLessThanOrEqual(1e-12);
      }
    });
  }

  it('updateSync chunks == one-shot, and result() can be read between updates', () => {
    const F = logits(n, c, 33, 'float64');
    const X = new Matrix(n, c, F);
    const acc = new CovarianceAccumulator(c);
    acc.updateSync(X.sliceRows(0, 100));
    const partial = acc.result();
    const refPartial = secondMoment(F.subarray(0, 100 * c), 100, c);
    expect(scaledMaxError(partial.data as Float64Array, refPartial, c, c, diag(refPartial, c), diag(refPartial, c))).toBeLessThanOrEqual(1e-12);
    const bounds = chunkBounds(n - 100, 34, 97).map((b) => b + 100);
    for (let k = 0; k + 1 < bounds.length; k++) acc.updateSync(X.sliceRows(bounds[k], bounds[k + 1]));
    const ref = secondMoment(F, n, c);
    expect(acc.count).toBe(n);
    expect(scaledMaxError(acc.result().data as Float64Array, ref, c, c, diag(ref, c), diag(ref, c))).toBeLessThanOrEqual(1e-12);
  });

  it('merge() of two shards == all rows', async () => {
    const F = logits(n, c, 35, 'float32', 1);
    const X = new Matrix(n, c, F);
    const a = new CovarianceAccumulator(c);
    const b = new CovarianceAccumulator(c);
    const exact = { productPrecision: 'float64' } as const;
    await a.update(X.sliceRows(0, 437), exact);
    await b.update(X.sliceRows(437, 900), exact);
    await b.update(X.sliceRows(900, n), exact);
    a.merge(b);
    expect(a.count).toBe(n);
    expect(b.count).toBe(n - 437); // the merged-in shard is left as it was
    for (const opts of [{}, { center: true }, { center: true, ddof: 1 }]) {
      const one = await covariance(X, { ...opts, ...exact });
      const d = diag(one.data as Float64Array, c);
      expect(scaledMaxError(a.result(opts).data as Float64Array, one.data as Float64Array, c, c, d, d)).toBeLessThanOrEqual(1e-12);
    }
  });

  it('merge() into an empty accumulator and of shards with different means (offset 1e6, centered <= 1e-9)', async () => {
    const n2 = 3000;
    const F = logits(n2, c, 36, 'float64', 1e6);
    const X = new Matrix(n2, c, F);
    const shifted = Float64Array.from(F, (v) => v - 1e6);
    const ref = centeredCovariance(shifted, n2, c, 0);
    const d = diag(ref, c);
    const empty = new CovarianceAccumulator(c);
    const s1 = new CovarianceAccumulator(c);
    const s2 = new CovarianceAccumulator(c);
    const bounds = chunkBounds(1700, 37, 300);
    for (let k = 0; k + 1 < bounds.length; k++) await s1.update(X.sliceRows(bounds[k], bounds[k + 1]));
    await s2.update(X.sliceRows(1700, n2));
    empty.merge(s1);
    empty.merge(s2);
    expect(empty.count).toBe(n2);
    expect(scaledMaxError(empty.result({ center: true }).data as Float64Array, ref, c, c, d, d)).toBeLessThanOrEqual(1e-9);
  });

  it('queued async updates (not awaited one by one) == one-shot', async () => {
    const F = logits(n, c, 38, 'float64', -4);
    const X = new Matrix(n, c, F);
    const acc = new CovarianceAccumulator(c);
    const bounds = chunkBounds(n, 39, 80);
    const pending: Promise<void>[] = [];
    for (let k = 0; k + 1 < bounds.length; k++) pending.push(acc.update(X.sliceRows(bounds[k], bounds[k + 1]), { threads: 1 + (k % 2) }));
    await Promise.all(pending);
    expect(acc.count).toBe(n);
    const one = await covariance(X, { center: true });
    const d = diag(one.data as Float64Array, c);
    expect(scaledMaxError(acc.result({ center: true }).data as Float64Array, one.data as Float64Array, c, c, d, d)).toBeLessThanOrEqual(1e-12);
  });

  it('float32 products: chunked updates stay within the documented 1e-6 of max|S|', async () => {
    const F = logits(n, c, 43, 'float32', 2.5);
    const X = new Matrix(n, c, F);
    const acc = new CovarianceAccumulator(c);
    const bounds = chunkBounds(n, 44, 150);
    for (let k = 0; k + 1 < bounds.length; k++) await acc.update(X.sliceRows(bounds[k], bounds[k + 1]));
    const ref = secondMoment(F, n, c);
    expect(maxAbsDiff(acc.result().data as Float64Array, ref)).toBeLessThanOrEqual(1e-6 * maxAbs(ref));
  });

  it('rejects an unknown productPrecision', async () => {
    const X = new Matrix(3, 2, new Float32Array(6));
    await expect(covariance(X, { productPrecision: 'float16' as never })).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
    expect(() => new CovarianceAccumulator(2).updateSync(X, { productPrecision: 'half' as never })).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' }));
  });

  it('cross accumulator (p != q) == crossMoments', async () => {
    const p = 11;
    const q = 4;
    const X = new Matrix(n, p, logits(n, p, 40, 'float32'));
    const Y = new Matrix(n, q, logits(n, q, 41, 'float64', 7));
    const acc = new CovarianceAccumulator(p, q);
    expect(acc.cols).toBe(p);
    expect(acc.crossCols).toBe(q);
    const bounds = chunkBounds(n, 42, 200);
    for (let k = 0; k + 1 < bounds.length; k++) await acc.update(X.sliceRows(bounds[k], bounds[k + 1]), { y: Y.sliceRows(bounds[k], bounds[k + 1]) });
    for (const opts of [{}, { center: true, ddof: 1 }]) {
      const one = await crossMoments(X, Y, opts);
      const got = acc.result(opts);
      expect(got.rows).toBe(p);
      expect(got.cols).toBe(q);
      const sx = columnSquares(X.data, n, p);
      const sy = columnSquares(Y.data, n, q);
      expect(scaledMaxError(got.data as Float64Array, one.data as Float64Array, p, q, sx, sy)).toBeLessThanOrEqual(1e-12);
    }
  });

  it('rejects chunks of the wrong width and merges of different shapes', async () => {
    const acc = new CovarianceAccumulator(3);
    // A Promise-returning call reports bad input by rejecting, not by throwing synchronously.
    let pending: Promise<void> | undefined;
    expect(() => {
      pending = acc.update(new Matrix(2, 4, new Float64Array(8)));
    }).not.toThrow();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_COVLASSO_SHAPE_MISMATCH' });
    expect(() => acc.updateSync(new Matrix(2, 4, new Float64Array(8)))).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_SHAPE_MISMATCH' }));
    expect(() => acc.merge(new CovarianceAccumulator(4))).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_SHAPE_MISMATCH' }));
    expect(acc.count).toBe(0);
  });
});

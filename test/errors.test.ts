/**
 * Every bad input gives a typed error (a CovlassoError subclass) with a stable `code`, from the
 * async calls (as a rejection, never a synchronous throw) and from their Sync twins; never a crash.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  CovarianceAccumulator,
  CovlassoError,
  CovlassoErrorCode,
  CovlassoRangeError,
  CovlassoTypeError,
  Matrix,
  NotFiniteError,
  NotSymmetricError,
  covLasso,
  covLassoPath,
  covLassoPathSync,
  covLassoSync,
  covariance,
  covarianceSync,
  crossMoments,
  crossMomentsSync,
} from '../lib';
import { randomLogits, secondMoment } from './support/reference-lasso';

type ErrorClass = new (...args: never[]) => CovlassoError;

interface Case {
  name: string;
  run: () => Promise<unknown>;
  runSync: () => unknown;
  cls: ErrorClass;
  code: CovlassoErrorCode;
  message?: RegExp[];
}

const N = 50;
const C = 7;
const F = randomLogits(N, C, 1);
const X = new Matrix(N, C, F);
const S = secondMoment(F, N, C);
const SM = new Matrix(C, C, S);

function withValue(data: Float64Array | Float32Array, index: number, value: number): Float64Array | Float32Array {
  const copy = data.slice();
  copy[index] = value;
  return copy;
}

function covCase(name: string, x: unknown, opts: Record<string, unknown>, cls: ErrorClass, code: CovlassoErrorCode, message?: RegExp[]): Case {
  return {
    name: `covariance: ${name}`,
    run: () => covariance(x as Matrix, opts),
    runSync: () => covarianceSync(x as Matrix, opts),
    cls,
    code,
    message,
  };
}

function lassoCase(name: string, s: unknown, opts: Record<string, unknown>, cls: ErrorClass, code: CovlassoErrorCode, message?: RegExp[]): Case {
  return {
    name: `covLasso: ${name}`,
    run: () => covLasso(s as Matrix, opts),
    runSync: () => covLassoSync(s as Matrix, opts),
    cls,
    code,
    message,
  };
}

const symmetricWith = (a: number, b: number, v: number): Matrix => {
  const d = S.slice();
  d[a * C + b] = v;
  d[b * C + a] = v;
  return new Matrix(C, C, d);
};

const CASES: Case[] = [
  // not finite logits: message names the row and the column
  covCase('NaN in float64 logits', new Matrix(N, C, withValue(F, 37 * C + 5, NaN)), {}, NotFiniteError, 'ERR_COVLASSO_NOT_FINITE', [/NaN/, /row\D{0,3}37\b/, /col(umn)?\D{0,3}5\b/]),
  covCase('+Infinity in float32 logits', new Matrix(N, C, withValue(Float32Array.from(F), 0 * C + 6, Infinity)), {}, NotFiniteError, 'ERR_COVLASSO_NOT_FINITE', [/Inf/, /row\D{0,3}0\b/, /col(umn)?\D{0,3}6\b/]),
  covCase('-Infinity in float64 logits, centered', new Matrix(N, C, withValue(F, (N - 1) * C, -Infinity)), { center: true }, NotFiniteError, 'ERR_COVLASSO_NOT_FINITE', [/row\D{0,3}49\b/, /col(umn)?\D{0,3}0\b/]),
  {
    name: 'crossMoments: NaN in Y',
    run: () => crossMoments(X, new Matrix(N, 3, withValue(new Float64Array(N * 3), 10 * 3 + 2, NaN))),
    runSync: () => crossMomentsSync(X, new Matrix(N, 3, withValue(new Float64Array(N * 3), 10 * 3 + 2, NaN))),
    cls: NotFiniteError,
    code: 'ERR_COVLASSO_NOT_FINITE',
    message: [/row\D{0,3}10\b/, /col(umn)?\D{0,3}2\b/],
  },
  // dtype and shape
  covCase('Int32Array data', { rows: 2, cols: 2, data: new Int32Array(4) }, {}, CovlassoTypeError, 'ERR_COVLASSO_INVALID_DTYPE', [/Int32Array/]),
  covCase('plain number[] data', { rows: 2, cols: 2, data: [1, 2, 3, 4] }, {}, CovlassoTypeError, 'ERR_COVLASSO_INVALID_DTYPE'),
  covCase('null matrix', null, {}, CovlassoTypeError, 'ERR_COVLASSO_INVALID_DTYPE'),
  covCase('data length mismatch', { rows: 3, cols: 3, data: new Float64Array(8) }, {}, CovlassoRangeError, 'ERR_COVLASSO_SHAPE_MISMATCH'),
  covCase('negative rows', { rows: -1, cols: 3, data: new Float64Array(0) }, {}, CovlassoRangeError, 'ERR_COVLASSO_SHAPE_MISMATCH'),
  covCase('no rows', new Matrix(0, 3, new Float64Array(0)), {}, CovlassoRangeError, 'ERR_COVLASSO_SHAPE_MISMATCH'),
  {
    name: 'crossMoments: different row counts',
    run: () => crossMoments(X, new Matrix(N - 1, 2, new Float64Array((N - 1) * 2))),
    runSync: () => crossMomentsSync(X, new Matrix(N - 1, 2, new Float64Array((N - 1) * 2))),
    cls: CovlassoRangeError,
    code: 'ERR_COVLASSO_SHAPE_MISMATCH',
  },
  lassoCase('non-square S', new Matrix(2, 3, new Float64Array(6)), {}, CovlassoRangeError, 'ERR_COVLASSO_SHAPE_MISMATCH'),
  lassoCase('empty S', new Matrix(0, 0, new Float64Array(0)), {}, CovlassoRangeError, 'ERR_COVLASSO_SHAPE_MISMATCH'),
  lassoCase('Int32Array S', { rows: 2, cols: 2, data: new Int32Array([1, 0, 0, 1]) }, {}, CovlassoTypeError, 'ERR_COVLASSO_INVALID_DTYPE'),
  lassoCase('S data length mismatch', { rows: 3, cols: 3, data: new Float64Array(10) }, {}, CovlassoRangeError, 'ERR_COVLASSO_SHAPE_MISMATCH'),
  // lambda
  lassoCase('negative lambda', SM, { lambda: -0.1 }, CovlassoRangeError, 'ERR_COVLASSO_NEGATIVE_LAMBDA'),
  lassoCase('negative lambdaRatio', SM, { lambdaRatio: -1e-9 }, CovlassoRangeError, 'ERR_COVLASSO_NEGATIVE_LAMBDA'),
  lassoCase('-Infinity lambda', SM, { lambda: -Infinity }, CovlassoRangeError, 'ERR_COVLASSO_NEGATIVE_LAMBDA'),
  lassoCase('NaN lambda', SM, { lambda: NaN }, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT'),
  lassoCase('NaN lambdaRatio', SM, { lambdaRatio: NaN }, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT'),
  lassoCase('+Infinity lambda', SM, { lambda: Infinity }, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT'),
  lassoCase('string lambda', SM, { lambda: '0.1' }, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT'),
  lassoCase('both lambda and lambdaRatio', SM, { lambda: 0.1, lambdaRatio: 0.1 }, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT'),
  // targets
  lassoCase('target = C', SM, { targets: [0, C] }, CovlassoRangeError, 'ERR_COVLASSO_TARGET_OUT_OF_RANGE', [new RegExp(`\\b${C}\\b`)]),
  lassoCase('target -1', SM, { targets: [-1] }, CovlassoRangeError, 'ERR_COVLASSO_TARGET_OUT_OF_RANGE'),
  lassoCase('non-integer target', SM, { targets: [1.5] }, CovlassoRangeError, 'ERR_COVLASSO_TARGET_OUT_OF_RANGE'),
  lassoCase('NaN target', SM, { targets: [NaN] }, CovlassoRangeError, 'ERR_COVLASSO_TARGET_OUT_OF_RANGE'),
  lassoCase('huge target', SM, { targets: Int32Array.of(2 ** 31 - 1) }, CovlassoRangeError, 'ERR_COVLASSO_TARGET_OUT_OF_RANGE'),
  // the covariance itself
  lassoCase('asymmetric S', new Matrix(C, C, withValue(S, 1 * C + 4, S[1 * C + 4] + 0.5)), {}, NotSymmetricError, 'ERR_COVLASSO_NOT_SYMMETRIC'),
  lassoCase('NaN on the diagonal of S', new Matrix(C, C, withValue(S, 3 * C + 3, NaN)), {}, NotFiniteError, 'ERR_COVLASSO_NOT_FINITE'),
  lassoCase('symmetric NaN off the diagonal of S', symmetricWith(2, 5, NaN), {}, NotFiniteError, 'ERR_COVLASSO_NOT_FINITE'),
  lassoCase('symmetric Infinity in S', symmetricWith(0, 6, Infinity), {}, NotFiniteError, 'ERR_COVLASSO_NOT_FINITE'),
  lassoCase('NaN in S outside the requested targets', symmetricWith(5, 6, NaN), { targets: [0] }, NotFiniteError, 'ERR_COVLASSO_NOT_FINITE'),
  lassoCase('negative diagonal', new Matrix(3, 3, new Float64Array([2, 1, 0, 1, -1, 0.5, 0, 0.5, 1])), {}, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT'),
  lassoCase('negative diagonal of a non-target', new Matrix(3, 3, new Float64Array([2, 1, 0, 1, -1, 0.5, 0, 0.5, 1])), { targets: [0] }, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT'),
  // solver options
  ...[0, -1, NaN, Infinity, '1e-6'].map((tol) => lassoCase(`tol ${String(tol)}`, SM, { tol }, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT')),
  ...[0, -1, 1.5, NaN, 2 ** 31].map((maxIter) => lassoCase(`maxIter ${maxIter}`, SM, { maxIter }, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT')),
  ...[0, -1, 1.5, NaN, 257, '2'].map((threads) => lassoCase(`threads ${String(threads)}`, SM, { threads }, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT')),
  ...[0, 2.5].map((threads) => covCase(`threads ${threads}`, X, { threads }, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT')),
  // moment options
  covCase('ddof = N (no degrees of freedom)', X, { center: true, ddof: N }, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT'),
  covCase('ddof > N', X, { center: true, ddof: N + 3 }, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT'),
  covCase('ddof 1 with one row', new Matrix(1, 3, new Float64Array(3)), { center: true, ddof: 1 }, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT'),
  covCase('negative ddof', X, { center: true, ddof: -1 }, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT'),
  covCase('NaN ddof', X, { center: true, ddof: NaN }, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT'),
  covCase('non-boolean center', X, { center: 1 }, CovlassoTypeError, 'ERR_COVLASSO_INVALID_ARGUMENT'),
];

function expectTyped(error: unknown, c: Case): void {
  expect(error).toBeInstanceOf(CovlassoError);
  expect(error).toBeInstanceOf(Error);
  expect(error).toBeInstanceOf(c.cls);
  const e = error as CovlassoError;
  expect(e.code).toBe(c.code);
  expect(e.name).toBe(c.cls.name);
  expect(typeof e.message).toBe('string');
  expect(e.message.length).toBeGreaterThan(0);
  for (const re of c.message ?? []) expect(e.message).toMatch(re);
}

describe('typed errors with stable codes', () => {
  for (const c of CASES) {
    it(`${c.name} (async: rejects)`, async () => {
      let pending: Promise<unknown> | undefined;
      expect(() => {
        pending = c.run();
      }).not.toThrow();
      expect(pending).toBeInstanceOf(Promise);
      const error = await (pending as Promise<unknown>).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeDefined();
      expectTyped(error, c);
    });
    it(`${c.name} (Sync: throws)`, () => {
      let error: unknown;
      try {
        c.runSync();
      } catch (e) {
        error = e;
      }
      expect(error).toBeDefined();
      expectTyped(error, c);
    });
  }
});

describe('COVLASSO_THREADS from the environment', () => {
  const saved = process.env.COVLASSO_THREADS;
  afterEach(() => {
    if (saved === undefined) delete process.env.COVLASSO_THREADS;
    else process.env.COVLASSO_THREADS = saved;
  });

  for (const value of ['abc', '0', '-2', '1.5', '2x']) {
    it(`'${value}' is rejected with ERR_COVLASSO_INVALID_ARGUMENT (covariance, covLasso, path; async and Sync)`, async () => {
      process.env.COVLASSO_THREADS = value;
      const cases: Case[] = [
        covCase('env', X, {}, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT', [/COVLASSO_THREADS/]),
        lassoCase('env', SM, {}, CovlassoRangeError, 'ERR_COVLASSO_INVALID_ARGUMENT', [/COVLASSO_THREADS/]),
        {
          name: 'path env',
          run: () => covLassoPath(SM, { nLambda: 3 }),
          runSync: () => covLassoPathSync(SM, { nLambda: 3 }),
          cls: CovlassoRangeError,
          code: 'ERR_COVLASSO_INVALID_ARGUMENT',
          message: [/COVLASSO_THREADS/],
        },
      ];
      for (const c of cases) {
        expectTyped(await c.run().then(() => undefined, (e: unknown) => e), c);
        let error: unknown;
        try {
          c.runSync();
        } catch (e) {
          error = e;
        }
        expectTyped(error, c);
      }
    });
  }

  it('a valid value is used and an explicit threads option overrides a bad one', async () => {
    process.env.COVLASSO_THREADS = '2';
    const a = await covariance(X);
    process.env.COVLASSO_THREADS = 'garbage';
    const b = await covariance(X, { threads: 1 });
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
  });
});

describe('run options and the accumulator', () => {
  it('signal and onProgress of the wrong type are CovlassoTypeError', async () => {
    await expect(covLasso(SM, { signal: {} as AbortSignal })).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT', name: 'CovlassoTypeError' });
    await expect(covariance(X, { onProgress: 5 as unknown as () => void })).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT', name: 'CovlassoTypeError' });
  });

  it('CovarianceAccumulator rejects bad construction and bad chunks with typed errors', () => {
    for (const cols of [0, -1, 1.5, NaN]) {
      expect(() => new CovarianceAccumulator(cols)).toThrow(CovlassoRangeError);
    }
    const acc = new CovarianceAccumulator(C);
    expect(() => acc.updateSync(new Matrix(N, C, withValue(F, 3 * C + 1, NaN)))).toThrow(NotFiniteError);
    expect(() => acc.updateSync({ rows: 1, cols: C, data: new Int32Array(C) } as unknown as Matrix)).toThrow(CovlassoTypeError);
    expect(() => acc.result({ center: true, ddof: -1 })).toThrow(CovlassoRangeError);
  });

  it('after every error above the addon still works', async () => {
    const S1 = await covariance(X);
    const r = await covLasso(S1, { lambdaRatio: 0.1 });
    expect(r.converged.every((v) => v === 1)).toBe(true);
  });
});

describe('outputs too large to allocate', () => {
  const wide = new Matrix(1, 1_000_000, new Float32Array(1_000_000));
  const expectOutOfMemory = (e: unknown): void => {
    expect(e).toBeInstanceOf(CovlassoError);
    expect(e).toMatchObject({ code: 'ERR_COVLASSO_OUT_OF_MEMORY', message: expect.stringMatching(/cannot allocate the 1000000×1000000 result/) });
  };

  it('covariance / crossMoments of a 1 × 10⁶ matrix: ERR_COVLASSO_OUT_OF_MEMORY, not a RangeError', async () => {
    await covariance(wide).then(() => { throw new Error('resolved'); }, expectOutOfMemory);
    await crossMoments(wide, wide).then(() => { throw new Error('resolved'); }, expectOutOfMemory);
    let thrown: unknown;
    try {
      covarianceSync(wide);
    } catch (e) {
      thrown = e;
    }
    expectOutOfMemory(thrown);
    expect(() => crossMomentsSync(wide, wide)).toThrow(CovlassoError);
  });
});

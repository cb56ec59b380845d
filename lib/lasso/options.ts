/**
 * Validation of the CovLasso options and the λ sequences they describe.
 * @module
 */
import { CovlassoRangeError, CovlassoTypeError } from '../runtime/errors';
import { asMatrix, Matrix, MatrixLike, toFloat64 } from '../runtime/matrix';
import { executionArgs } from '../runtime/run';
import { isTypedArray } from '../runtime/typed';
import type { CovLassoBaseOptions, CovLassoOptions, CovLassoPathOptions, SolverSettings, SparseColumns } from './types';

function rangeError(code: 'ERR_COVLASSO_INVALID_ARGUMENT' | 'ERR_COVLASSO_NEGATIVE_LAMBDA' | 'ERR_COVLASSO_TARGET_OUT_OF_RANGE' | 'ERR_COVLASSO_SHAPE_MISMATCH', message: string): CovlassoRangeError {
  return new CovlassoRangeError(code, message);
}

function checkLambda(value: unknown, name: string): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value === Infinity) {
    throw rangeError('ERR_COVLASSO_INVALID_ARGUMENT', `${name} must be a finite number, got ${String(value)}`);
  }
  if (value < 0) throw rangeError('ERR_COVLASSO_NEGATIVE_LAMBDA', `${name} must be >= 0, got ${value}`);
  return value;
}

/** The covariance as a square float64 matrix (float32 is widened, by copy). */
export function asCovariance(S: MatrixLike, name = 'S'): Matrix {
  return toFloat64(asSolverCovariance(S, name));
}

/**
 * The covariance as the solvers take it: a square matrix, float32 or float64 as given (no copy;
 * the core widens each float32 value exactly and computes in float64).
 */
export function asSolverCovariance(S: MatrixLike, name = 'S'): Matrix {
  const m = asMatrix(S, name);
  if (m.rows !== m.cols || m.rows === 0) {
    throw rangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${name} must be square and non-empty, got ${m.rows}x${m.cols}`);
  }
  return m;
}

/** Validated target indices (default: 0..count−1). */
export function checkTargets(targets: ArrayLike<number> | undefined, count: number): Int32Array {
  if (targets === undefined) return Int32Array.from({ length: count }, (_, i) => i);
  if (typeof targets !== 'object' || targets === null || typeof targets.length !== 'number') {
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'targets must be an array of indices');
  }
  const out = new Int32Array(targets.length);
  for (let k = 0; k < targets.length; k++) {
    const t = targets[k];
    if (!Number.isInteger(t) || t < 0 || t >= count) {
      throw rangeError('ERR_COVLASSO_TARGET_OUT_OF_RANGE', `target ${t} is out of range [0, ${count})`);
    }
    out[k] = t;
  }
  return out;
}

export function checkSolverOptions(options: CovLassoBaseOptions & { stopRelativeError?: number }, sources: number, targets: number): SolverSettings {
  const execution = executionArgs(options);
  const tol = options.tol ?? 1e-6;
  const maxIter = options.maxIter ?? 100000;
  if (typeof tol !== 'number' || !(tol > 0) || !Number.isFinite(tol)) {
    throw rangeError('ERR_COVLASSO_INVALID_ARGUMENT', `tol must be a finite number > 0, got ${tol}`);
  }
  if (!Number.isInteger(maxIter) || maxIter < 1 || maxIter > 2 ** 31 - 1) {
    throw rangeError('ERR_COVLASSO_INVALID_ARGUMENT', `maxIter must be a positive integer, got ${maxIter}`);
  }
  const positive = options.positive ?? false;
  if (typeof positive !== 'boolean') throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'positive must be a boolean');
  const l1Ratio = options.l1Ratio ?? 1;
  if (typeof l1Ratio !== 'number' || !(l1Ratio > 0 && l1Ratio <= 1)) {
    throw rangeError('ERR_COVLASSO_INVALID_ARGUMENT', `l1Ratio must be in (0, 1], got ${l1Ratio}`);
  }
  const stopRelativeError = options.stopRelativeError ?? 0;
  if (typeof stopRelativeError !== 'number' || !(stopRelativeError >= 0) || !Number.isFinite(stopRelativeError)) {
    throw rangeError('ERR_COVLASSO_INVALID_ARGUMENT', `stopRelativeError must be a finite number >= 0, got ${stopRelativeError}`);
  }
  const settings: SolverSettings = { tol, maxIter, positive, l1Ratio, stopRelativeError, ...execution };
  if (options.penaltyFactor !== undefined) settings.penaltyFactor = checkPenaltyFactor(options.penaltyFactor, sources);
  if (options.warmStart !== undefined) settings.warmStart = checkWarmStart(options.warmStart, sources, targets);
  return settings;
}

function checkPenaltyFactor(weights: ArrayLike<number>, sources: number): Float64Array {
  if (typeof weights !== 'object' || weights === null || weights.length !== sources) {
    throw rangeError('ERR_COVLASSO_SHAPE_MISMATCH', `penaltyFactor must hold ${sources} values`);
  }
  const out = Float64Array.from(weights);
  for (let j = 0; j < out.length; j++) {
    if (!Number.isFinite(out[j]) || out[j] < 0) {
      throw rangeError('ERR_COVLASSO_INVALID_ARGUMENT', `penaltyFactor[${j}] must be finite and >= 0, got ${out[j]}`);
    }
  }
  return out;
}

function checkWarmStart(warm: SparseColumns, sources: number, targets: number): SparseColumns {
  const ok = warm !== null && typeof warm === 'object' && isTypedArray(warm.indptr, 'Int32Array') && isTypedArray(warm.indices, 'Int32Array') && isTypedArray(warm.values, 'Float64Array');
  if (!ok) throw new CovlassoTypeError('ERR_COVLASSO_INVALID_DTYPE', 'warmStart must be sparse columns { indptr: Int32Array, indices: Int32Array, values: Float64Array }');
  if (warm.rows !== sources || warm.cols !== targets || warm.indptr.length !== targets + 1 || warm.indices.length !== warm.values.length || warm.indptr[targets] !== warm.values.length) {
    throw rangeError('ERR_COVLASSO_SHAPE_MISMATCH', `warmStart must be ${sources} x ${targets} (one column per target)`);
  }
  for (let k = 0; k < warm.values.length; k++) {
    if (!Number.isFinite(warm.values[k])) throw rangeError('ERR_COVLASSO_INVALID_ARGUMENT', 'warmStart holds a non-finite value');
  }
  return warm;
}

/** The λ sequence of a single fit: absolute `lambda` or relative `lambdaRatio` (default 0.1). */
export function singleLambda(options: CovLassoOptions): { values: Float64Array; relative: boolean } {
  if (options.lambda !== undefined && options.lambdaRatio !== undefined) {
    throw rangeError('ERR_COVLASSO_INVALID_ARGUMENT', 'give either lambda or lambdaRatio, not both');
  }
  if (options.lambda !== undefined) return { values: Float64Array.of(checkLambda(options.lambda, 'lambda')), relative: false };
  return { values: Float64Array.of(checkLambda(options.lambdaRatio ?? 0.1, 'lambdaRatio')), relative: true };
}

/** The λ sequence of a path: explicit ratios or λs, else nLambda log-spaced ratios down to ratioMin. */
export function pathLambdas(options: CovLassoPathOptions): { values: Float64Array; relative: boolean } {
  const explicit = [options.lambdaRatios, options.lambdas].filter((v) => v !== undefined).length;
  if (explicit > 1 || (explicit === 1 && (options.nLambda !== undefined || options.ratioMin !== undefined))) {
    throw rangeError('ERR_COVLASSO_INVALID_ARGUMENT', 'give one of lambdaRatios, lambdas, or nLambda/ratioMin');
  }
  const given = options.lambdaRatios ?? options.lambdas;
  if (given !== undefined) {
    if (given.length === 0) throw rangeError('ERR_COVLASSO_INVALID_ARGUMENT', 'the λ list is empty');
    const values = Float64Array.from(given, (v, i) => checkLambda(v, `lambda value ${i}`));
    return { values, relative: options.lambdas === undefined };
  }
  const n = options.nLambda ?? 100;
  const ratioMin = options.ratioMin ?? 1e-3;
  if (!Number.isInteger(n) || n < 1) throw rangeError('ERR_COVLASSO_INVALID_ARGUMENT', `nLambda must be a positive integer, got ${n}`);
  if (typeof ratioMin !== 'number' || !(ratioMin > 0 && ratioMin <= 1)) {
    throw rangeError('ERR_COVLASSO_INVALID_ARGUMENT', `ratioMin must be in (0, 1], got ${ratioMin}`);
  }
  const values = new Float64Array(n);
  for (let k = 0; k < n; k++) values[k] = n === 1 ? 1 : Math.pow(ratioMin, k / (n - 1));
  return { values, relative: true };
}

/**
 * The Covariance Lasso: for each target category t, minimise over β (β_t = 0)
 *
 *     P_t(β) = ½ (S_tt − 2 βᵀ S_{:,t} + βᵀ S β) + λ ‖β‖₁
 *
 * With S = FᵀF/N this is scikit-learn's `Lasso(alpha=λ, fit_intercept=False)` on
 * y = F[:, t], X = F[:, others]. The paper's λ is twice ours (it omits the ½).
 * Every target runs to a certified duality gap ≤ tol · S_tt.
 * @module
 */
import { CovlassoRangeError, CovlassoTypeError } from './errors';
import { asMatrix, Matrix, MatrixLike } from './matrix';
import { loadNative, NativeArgs, NativeCsc } from './native';
import { checkRunOptions, resolveThreads, runAsync, RunOptions, runSync } from './run';

/** A sparse matrix in compressed sparse columns: column k holds `values[indptr[k]..indptr[k+1])` at rows `indices[...]`. */
export interface SparseColumns {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

/** Options shared by {@link covLasso} and {@link covLassoPath}. */
export interface CovLassoBaseOptions extends RunOptions {
  /** Target categories (column indices of S); default: every category. */
  targets?: ArrayLike<number>;
  /** Converged when the duality gap ≤ tol · S_tt (default 1e-6). */
  tol?: number;
  /** Coordinate-descent sweeps allowed per target and λ (default 100000); `converged` says if that sufficed. */
  maxIter?: number;
}

/** Options of {@link covLasso}: give `lambda` or `lambdaRatio` (default `lambdaRatio: 0.1`). */
export interface CovLassoOptions extends CovLassoBaseOptions {
  /** Absolute λ (≥ 0), the same for every target. */
  lambda?: number;
  /** Scale-free λ: λ_t = lambdaRatio · λ_max(t), with λ_max(t) = max_{j≠t} |S_jt|. */
  lambdaRatio?: number;
}

/** Per-target results of {@link covLasso}; arrays are indexed like `targets`. */
export interface CovLassoResult {
  /** The target categories solved. */
  targets: Int32Array;
  /** λ used for each target. */
  lambda: Float64Array;
  /** λ_max of each target: at or above it β = 0. */
  lambdaMax: Float64Array;
  /** Objective P_t(β). */
  objective: Float64Array;
  /** Duality gap of β (an upper bound on objective − optimum). */
  gap: Float64Array;
  /** r² = S_tt − 2βᵀS_{:,t} + βᵀSβ: the variance of the target's logit left unexplained. */
  residualVariance: Float64Array;
  /** r² / S_tt (0 when S_tt = 0). */
  relativeError: Float64Array;
  /** Coordinate-descent sweeps used. */
  iterations: Int32Array;
  /** 1 when gap ≤ tol · S_tt, else 0 (maxIter ran out). */
  converged: Uint8Array;
  /** Coefficients: column k holds target k's sources (never the target itself). */
  coef: SparseColumns;
}

/** Options of {@link covLassoPath}. */
export interface CovLassoPathOptions extends CovLassoBaseOptions {
  /** Number of λ values (default 100). */
  nLambda?: number;
  /** Smallest λ as a fraction of λ_max (default 1e-3). */
  ratioMin?: number;
  /** Explicit decreasing λ ratios, instead of nLambda/ratioMin. */
  lambdaRatios?: ArrayLike<number>;
  /** Explicit decreasing absolute λ values (same for every target), instead of ratios. */
  lambdas?: ArrayLike<number>;
}

/** Results along a λ path: every array is target-major, index `k * nLambda + l`. */
export interface CovLassoPathResult extends CovLassoResult {
  /** Number of λ values per target. */
  nLambda: number;
  /** The λ ratios when the path was given relative to λ_max, else null. */
  ratios: Float64Array | null;
}

/** A CovLasso problem in general form (internal; used by the dependency toolkit). */
export interface GeneralProblem {
  gram: Float64Array;
  p: number;
  cross?: Float64Array;
  m: number;
  variance: Float64Array;
  excludeSelf: boolean;
}

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
  const m = asMatrix(S, name);
  if (m.rows !== m.cols || m.rows === 0) {
    throw rangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${name} must be square and non-empty, got ${m.rows}x${m.cols}`);
  }
  return m.data instanceof Float64Array ? m : new Matrix(m.rows, m.cols, Float64Array.from(m.data));
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

function checkSolverOptions(options: CovLassoBaseOptions): { tol: number; maxIter: number; threads: number } {
  checkRunOptions(options);
  const tol = options.tol ?? 1e-6;
  const maxIter = options.maxIter ?? 100000;
  if (typeof tol !== 'number' || !(tol > 0) || !Number.isFinite(tol)) {
    throw rangeError('ERR_COVLASSO_INVALID_ARGUMENT', `tol must be a finite number > 0, got ${tol}`);
  }
  if (!Number.isInteger(maxIter) || maxIter < 1 || maxIter > 2 ** 31 - 1) {
    throw rangeError('ERR_COVLASSO_INVALID_ARGUMENT', `maxIter must be a positive integer, got ${maxIter}`);
  }
  return { tol, maxIter, threads: resolveThreads(options.threads) };
}

/** The λ sequence of a single fit: absolute `lambda` or relative `lambdaRatio` (default 0.1). */
function singleLambda(options: CovLassoOptions): { values: Float64Array; relative: boolean } {
  if (options.lambda !== undefined && options.lambdaRatio !== undefined) {
    throw rangeError('ERR_COVLASSO_INVALID_ARGUMENT', 'give either lambda or lambdaRatio, not both');
  }
  if (options.lambda !== undefined) return { values: Float64Array.of(checkLambda(options.lambda, 'lambda')), relative: false };
  return { values: Float64Array.of(checkLambda(options.lambdaRatio ?? 0.1, 'lambdaRatio')), relative: true };
}

/** The λ sequence of a path: explicit ratios or λs, else nLambda log-spaced ratios down to ratioMin. */
function pathLambdas(options: CovLassoPathOptions): { values: Float64Array; relative: boolean } {
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

interface PreparedSolve {
  args: NativeArgs;
  finish: (csc: NativeCsc) => CovLassoPathResult;
}

/** Builds the native arguments and output arrays of a batch solve (internal). */
export function prepareSolve(problem: GeneralProblem, targets: Int32Array, lambdas: { values: Float64Array; relative: boolean }, settings: { tol: number; maxIter: number; threads: number }): PreparedSolve {
  const n = targets.length * lambdas.values.length;
  const out = {
    lambda: new Float64Array(n),
    lambdaMax: new Float64Array(n),
    objective: new Float64Array(n),
    gap: new Float64Array(n),
    residualVariance: new Float64Array(n),
    iterations: new Int32Array(n),
    converged: new Uint8Array(n),
  };
  const args: NativeArgs = { ...problem, targets, lambdas: lambdas.values, relative: lambdas.relative, ...settings, out };
  const finish = (csc: NativeCsc): CovLassoPathResult => {
    const relativeError = new Float64Array(n);
    const nLambda = lambdas.values.length;
    for (let k = 0; k < n; k++) {
      const d = problem.variance[targets[Math.floor(k / nLambda)]];
      relativeError[k] = d > 0 ? out.residualVariance[k] / d : 0;
    }
    return {
      targets,
      ...out,
      relativeError,
      coef: { rows: problem.p, cols: n, ...csc },
      nLambda,
      ratios: lambdas.relative ? lambdas.values : null,
    };
  };
  return { args, finish };
}

function intraProblem(S: Matrix): GeneralProblem {
  const p = S.rows;
  const variance = new Float64Array(p);
  for (let i = 0; i < p; i++) variance[i] = S.data[i * p + i];
  return { gram: S.data as Float64Array, p, m: p, variance, excludeSelf: true };
}

function asSingle(result: CovLassoPathResult): CovLassoResult {
  const { nLambda: _n, ratios: _r, ...single } = result;
  return single;
}

function prepareSingle(S: MatrixLike, options: CovLassoOptions): PreparedSolve {
  const cov = asCovariance(S);
  const settings = checkSolverOptions(options);
  return prepareSolve(intraProblem(cov), checkTargets(options.targets, cov.rows), singleLambda(options), settings);
}

function preparePath(S: MatrixLike, options: CovLassoPathOptions): PreparedSolve {
  const cov = asCovariance(S);
  const settings = checkSolverOptions(options);
  return prepareSolve(intraProblem(cov), checkTargets(options.targets, cov.rows), pathLambdas(options), settings);
}

/**
 * Solves the CovLasso of every target at one λ, in parallel on covlasso's thread pool.
 * @param S - the C×C covariance (e.g. from {@link covariance}); float64 (float32 is widened)
 * @throws NotSymmetricError, NotFiniteError, CovlassoRangeError (`ERR_COVLASSO_NEGATIVE_LAMBDA`,
 *   `ERR_COVLASSO_TARGET_OUT_OF_RANGE`, `ERR_COVLASSO_SHAPE_MISMATCH`, ...), CovlassoAbortError
 * @example
 * const S = await covariance(logits);
 * const r = await covLasso(S, { lambdaRatio: 0.1 });
 * // sources of target r.targets[k]: r.coef.indices[r.coef.indptr[k] .. r.coef.indptr[k+1]]
 */
export async function covLasso(S: MatrixLike, options: CovLassoOptions = {}): Promise<CovLassoResult> {
  const { args, finish } = prepareSingle(S, options);
  return asSingle(finish(await runAsync((a, c) => loadNative().covLasso(a, c), args, options)));
}

/** Synchronous twin of {@link covLasso}. */
export function covLassoSync(S: MatrixLike, options: Omit<CovLassoOptions, 'signal' | 'onProgress'> = {}): CovLassoResult {
  const { args, finish } = prepareSingle(S, options);
  return asSingle(finish(runSync(() => loadNative().covLassoSync(args))));
}

/**
 * Solves every target along a decreasing λ path (default: 100 values from λ_max to
 * 1e-3·λ_max, log-spaced), each λ warm-started from the previous one.
 */
export async function covLassoPath(S: MatrixLike, options: CovLassoPathOptions = {}): Promise<CovLassoPathResult> {
  const { args, finish } = preparePath(S, options);
  return finish(await runAsync((a, c) => loadNative().covLasso(a, c), args, options));
}

/** Synchronous twin of {@link covLassoPath}. */
export function covLassoPathSync(S: MatrixLike, options: Omit<CovLassoPathOptions, 'signal' | 'onProgress'> = {}): CovLassoPathResult {
  const { args, finish } = preparePath(S, options);
  return finish(runSync(() => loadNative().covLassoSync(args)));
}

/** The results at one λ index of a path, as a {@link CovLassoResult} (copies). */
export function pathStep(path: CovLassoPathResult, lambdaIndex: number): CovLassoResult {
  const K = path.nLambda;
  if (!Number.isInteger(lambdaIndex) || lambdaIndex < 0 || lambdaIndex >= K) {
    throw rangeError('ERR_COVLASSO_INVALID_ARGUMENT', `lambda index ${lambdaIndex} is outside 0..${K - 1}`);
  }
  const T = path.targets.length;
  const pick = <A extends Float64Array | Int32Array | Uint8Array>(a: A): A => {
    const out = new (a.constructor as new (n: number) => A)(T);
    for (let k = 0; k < T; k++) out[k] = a[k * K + lambdaIndex];
    return out;
  };
  const indptr = new Int32Array(T + 1);
  for (let k = 0; k < T; k++) {
    const col = k * K + lambdaIndex;
    indptr[k + 1] = indptr[k] + path.coef.indptr[col + 1] - path.coef.indptr[col];
  }
  const indices = new Int32Array(indptr[T]);
  const values = new Float64Array(indptr[T]);
  for (let k = 0; k < T; k++) {
    const col = k * K + lambdaIndex;
    const from = path.coef.indptr[col];
    const len = path.coef.indptr[col + 1] - from;
    indices.set(path.coef.indices.subarray(from, from + len), indptr[k]);
    values.set(path.coef.values.subarray(from, from + len), indptr[k]);
  }
  return {
    targets: path.targets,
    lambda: pick(path.lambda),
    lambdaMax: pick(path.lambdaMax),
    objective: pick(path.objective),
    gap: pick(path.gap),
    residualVariance: pick(path.residualVariance),
    relativeError: pick(path.relativeError),
    iterations: pick(path.iterations),
    converged: pick(path.converged),
    coef: { rows: path.coef.rows, cols: T, indptr, indices, values },
  };
}

/** Target k's coefficients as `{ sources, coef }` arrays (views into the result). */
export function targetCoefficients(coef: SparseColumns, column: number): { sources: Int32Array; coef: Float64Array } {
  const from = coef.indptr[column];
  const to = coef.indptr[column + 1];
  return { sources: coef.indices.subarray(from, to), coef: coef.values.subarray(from, to) };
}

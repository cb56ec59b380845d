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
import { FactoredCovariance } from '../covariance/factored';
import { CovlassoRangeError } from '../runtime/errors';
import { diagonal, Matrix, MatrixLike } from '../runtime/matrix';
import { allocate } from '../runtime/typed';
import { asSolverCovariance, checkSolverOptions, checkTargets, pathLambdas, singleLambda } from './options';
import { PreparedSolve, prepareSolve, runSolve, runSolveSync } from './solve';
import type {
  CovLassoOptions,
  CovLassoPathOptions,
  CovLassoPathResult,
  CovLassoResult,
  GeneralProblem,
  SparseColumns,
} from './types';

export type * from './types';
export { asCovariance, checkTargets } from './options';

/** A covariance the solvers take: dense (C×C) or factored (S = Ã K Ãᵀ, never formed). */
export type SolverCovariance = MatrixLike | FactoredCovariance;

/** S as the solver takes it: a validated dense matrix, or a factored covariance. */
function solverInput(S: SolverCovariance): { cov: Matrix | FactoredCovariance; C: number } {
  if (S instanceof FactoredCovariance) return { cov: S, C: S.categories };
  const cov = asSolverCovariance(S);
  return { cov, C: cov.rows };
}

/**
 * The intra-model problem: G = S, s_t = S_{:,t}, d_t = S_tt, coordinate t excluded. A factored S
 * is handed to the solver as its head and kernel; its diagonal is computed here (O(C·r²)), after
 * every cheaper check.
 */
function intraProblem(cov: Matrix | FactoredCovariance, threads: number | undefined): GeneralProblem {
  if (cov instanceof FactoredCovariance) {
    const C = cov.categories;
    return { factored: cov.nativeHead(), p: C, m: C, variance: cov.diagonalSync({ threads }), excludeSelf: true };
  }
  return { gram: cov.data, p: cov.rows, m: cov.rows, variance: diagonal(cov), excludeSelf: true };
}

function asSingle(result: CovLassoPathResult): CovLassoResult {
  const { nLambda: _n, ratios: _r, pathLength: _l, ...single } = result;
  return single;
}

/** The checks of a solve in order (cheap ones before a factored S's diagonal), then its native call. */
function prepareIntra<O extends CovLassoOptions | CovLassoPathOptions>(S: SolverCovariance, options: O, lambdasOf: (o: O) => { values: Float64Array; relative: boolean }): PreparedSolve {
  const { cov, C } = solverInput(S);
  const targets = checkTargets(options.targets, C);
  const lambdas = lambdasOf(options);
  const settings = checkSolverOptions(options, C, targets.length);
  return prepareSolve(intraProblem(cov, options.threads), targets, lambdas, settings);
}

const prepareSingle = (S: SolverCovariance, options: CovLassoOptions): PreparedSolve => prepareIntra(S, options, singleLambda);
const preparePath = (S: SolverCovariance, options: CovLassoPathOptions): PreparedSolve => prepareIntra(S, options, pathLambdas);

/**
 * Solves the CovLasso of every target at one λ, in parallel on covlasso's thread pool.
 * @param S - the C×C covariance (e.g. from {@link covariance}); float64, or float32 read as it is
 *   (half the memory and the bytes the solver streams; every value widens exactly and all arithmetic
 *   and certificates are float64, so the results are bitwise those of its float64 copy: {@link Matrix.astype});
 *   or a {@link FactoredCovariance} (a linear head's S = Ã K Ãᵀ, never formed: every column, refresh
 *   and block of S goes through the r-dimensional side, certificates in float64 from it; CPU backend)
 * @throws NotSymmetricError, NotFiniteError, NotPositiveSemidefiniteError (a negative gap: S is indefinite), CovlassoRangeError (`ERR_COVLASSO_NEGATIVE_LAMBDA`,
 *   `ERR_COVLASSO_TARGET_OUT_OF_RANGE`, `ERR_COVLASSO_SHAPE_MISMATCH`, ...), CovlassoAbortError
 * @example
 * const S = await covariance(logits);
 * const r = await covLasso(S, { lambdaRatio: 0.1 });
 * // sources of target r.targets[k]: r.coef.indices[r.coef.indptr[k] .. r.coef.indptr[k+1]]
 */
export async function covLasso(S: SolverCovariance, options: CovLassoOptions = {}): Promise<CovLassoResult> {
  return asSingle(await runSolve(prepareSingle(S, options), options));
}

/** Synchronous twin of {@link covLasso}. */
export function covLassoSync(S: SolverCovariance, options: Omit<CovLassoOptions, 'signal' | 'onProgress'> = {}): CovLassoResult {
  return asSingle(runSolveSync(prepareSingle(S, options)));
}

/**
 * Solves every target along a decreasing λ path (default: 100 values from λ_max to
 * 1e-3·λ_max, log-spaced), each λ warm-started from the previous one.
 */
export async function covLassoPath(S: SolverCovariance, options: CovLassoPathOptions = {}): Promise<CovLassoPathResult> {
  return runSolve(preparePath(S, options), options);
}

/** Synchronous twin of {@link covLassoPath}. */
export function covLassoPathSync(S: SolverCovariance, options: Omit<CovLassoPathOptions, 'signal' | 'onProgress'> = {}): CovLassoPathResult {
  return runSolveSync(preparePath(S, options));
}

/** The results at one λ index of a path, as a {@link CovLassoResult} (copies). */
export function pathStep(path: CovLassoPathResult, lambdaIndex: number): CovLassoResult {
  const K = path.nLambda;
  if (!Number.isInteger(lambdaIndex) || lambdaIndex < 0 || lambdaIndex >= K) {
    throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `lambda index ${lambdaIndex} is outside 0..${K - 1}`);
  }
  const T = path.targets.length;
  const pick = <A extends Float64Array | Int32Array | Uint8Array>(a: A): A => {
    const out = new (a.constructor as new (n: number) => A)(T);
    for (let k = 0; k < T; k++) out[k] = a[k * K + lambdaIndex];
    return out;
  };
  const indptr = allocate(Int32Array, T + 1, 'the coefficients');
  for (let k = 0; k < T; k++) {
    const col = k * K + lambdaIndex;
    indptr[k + 1] = indptr[k] + path.coef.indptr[col + 1] - path.coef.indptr[col];
  }
  const indices = allocate(Int32Array, indptr[T], 'the coefficients');
  const values = allocate(Float64Array, indptr[T], 'the coefficients');
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
export function targetCoefficients(coef: SparseColumns, column: number): {
  /** Source categories of the column. */
  sources: Int32Array;
  /** Their coefficients. */
  coef: Float64Array;
} {
  const from = coef.indptr[column];
  const to = coef.indptr[column + 1];
  return { sources: coef.indices.subarray(from, to), coef: coef.values.subarray(from, to) };
}

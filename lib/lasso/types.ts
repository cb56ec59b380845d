/**
 * Types of the CovLasso API: options, results, sparse coefficients.
 * @module
 */
import type { NativeExecutionArgs } from '../runtime/native-types';
import type { NativeLassoProblem as GeneralProblem } from '../runtime/native-types';
import type { RunOptions } from '../runtime/run';

/** A sparse matrix in compressed sparse columns: column k holds `values[indptr[k]..indptr[k+1])` at rows `indices[...]`. */
export interface SparseColumns {
  /** Rows of the dense matrix (the categories a coefficient may belong to). */
  rows: number;
  /** Columns: one per target. */
  cols: number;
  /** Column k's entries are `indptr[k]` to `indptr[k + 1]` (cols + 1 offsets). */
  indptr: Int32Array;
  /** Row (source category) of each entry. */
  indices: Int32Array;
  /** Value (coefficient) of each entry. */
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
  /** Constrain every coefficient to be ≥ 0 (scikit-learn's `positive=True`). */
  positive?: boolean;
  /**
   * Per-category penalty factors w_j ≥ 0 (glmnet's `penalty.factor`): the ℓ1 term becomes
   * λ Σ_j w_j |β_j|; 0 means never penalised. Length C. λ_max uses only penalised categories.
   */
  penaltyFactor?: ArrayLike<number>;
  /**
   * Elastic net mixing in (0, 1] (scikit-learn's `l1_ratio`, glmnet's `alpha`): penalty
   * λ·l1Ratio·‖β‖₁ + ½·λ·(1 − l1Ratio)·‖β‖². Default 1 (the lasso).
   */
  l1Ratio?: number;
  /**
   * Starting coefficients, one column per target (e.g. `previous.coef` of a result for the
   * same targets, or `pathStep(path, l).coef`). Default: zeros.
   */
  warmStart?: SparseColumns;
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
  /**
   * 1 when −tol · S_tt ≤ gap ≤ tol · S_tt (up to rounding), else 0 (maxIter ran out). A gap or
   * residual variance below that proves S indefinite: the solve throws
   * NotPositiveSemidefiniteError instead of returning it.
   */
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
  /**
   * Stop a target's path early once its relative error r²/S_tt is ≤ this (glmnet-style early
   * exit); the remaining entries hold NaN objective/gap and no coefficients. See `pathLength`.
   */
  stopRelativeError?: number;
}

/** Results along a λ path: every array is target-major, index `k * nLambda + l`. */
export interface CovLassoPathResult extends CovLassoResult {
  /** Number of λ values per target. */
  nLambda: number;
  /** The λ ratios when the path was given relative to λ_max, else null. */
  ratios: Float64Array | null;
  /** Per target: how many λ values were solved (nLambda unless the path stopped early). */
  pathLength: Int32Array;
}

// A CovLasso problem in general form (see generalProblem; the engine of the dependency toolkit):
// the core's own struct, documented there, under its public name.
export type { NativeLassoProblem as GeneralProblem } from '../runtime/native-types';

/** Validated solver settings passed to the addon (internal). */
export interface SolverSettings extends NativeExecutionArgs {
  tol: number;
  maxIter: number;
  positive: boolean;
  l1Ratio: number;
  stopRelativeError: number;
  penaltyFactor?: Float64Array;
  warmStart?: SparseColumns;
}

/**
 * Neural dependencies within one model: each target category's logit as a sparse linear
 * combination of the other categories' logits, found by the CovLasso on the logit covariance.
 * @module
 */
import { covariance } from '../covariance/in-memory';
import { CovlassoRangeError } from '../runtime/errors';
import { asMatrix, Matrix, MatrixLike } from '../runtime/matrix';
import { covLasso, covLassoPath, CovLassoResult } from '../lasso/covlasso';
import { RunOptions } from '../runtime/run';
import { columnMeansOf } from '../covariance/columns';
import { pathSummaries, targetRecords } from './records';
import type { DependencyReport } from './types';

export type { DependencyReport, TargetDependency, TargetPath } from './types';


/** Options of {@link findDependencies}. */
export interface FindDependenciesOptions extends RunOptions {
  /**
   * Products of the covariance for float32 logits (see `covariance`). Default `'float64'` here:
   * certificates, λ_max and comparisons with float64 references (scikit-learn) then hold to the
   * last digits; the covariance is a small part of a dependency search's cost.
   */
  productPrecision?: 'float32' | 'float64';
  /** Rows `[begin, end)` of the logits to fit on (default: all). */
  rows?: [number, number];
  /**
   * A separate matrix of logits to fit on (same categories), instead of `logits` itself (e.g.
   * training-set logits, when `logits` are kept for evaluation). `rows` then applies to it.
   */
  fitLogits?: MatrixLike;
  /**
   * Also trace each target's λ path (`nLambda` log-spaced ratios from 1 down to `ratioMin`,
   * defaults 100 and 1e-3): every target then carries `path` (λ, ratio, relative error and nnz
   * per λ). The main solution stays the one at `lambda` / `lambdaRatio`.
   */
  path?: { nLambda?: number; ratioMin?: number };
  /** Target categories (default: all). */
  targets?: ArrayLike<number>;
  /** Absolute λ (our convention: half the paper's λ; equal to scikit-learn's alpha). */
  lambda?: number;
  /** λ relative to each target's λ_max (default 0.1 when `lambda` is not given). */
  lambdaRatio?: number;
  /** Center the logits (fit an intercept), like scikit-learn's `fit_intercept=True`. */
  center?: boolean;
  /** Certificate tolerance: gap ≤ tol · variance (default 1e-6). */
  tol?: number;
  /** Coordinate-descent sweeps allowed per target (default 100000). */
  maxIter?: number;
  /** Class names, carried into the report. */
  names?: readonly string[];
}

/** Builds the per-target report from a solver result (sources sorted by |coef|). */
export function dependencyReport(
  result: CovLassoResult,
  info: { categories: number; samples: number; center: boolean; means?: Float64Array; names?: readonly string[] },
): DependencyReport {
  const targets = targetRecords(result, {
    targetNames: info.names,
    sourceNames: info.names,
    targetMeans: info.center ? info.means : undefined,
    sourceMeans: info.center ? info.means : undefined,
  });
  return { categories: info.categories, samples: info.samples, center: info.center, targets };
}

/**
 * Finds each target category's sparse dependency on the other categories of the same model.
 * @param logits - N×C logits (float32 or float64), one row per sample
 * @example
 * const report = await findDependencies(logits, { rows: [0, 8000], lambdaRatio: 0.1 });
 * report.targets[0].sources; // the categories target 0 depends on
 */
export async function findDependencies(logits: MatrixLike, options: FindDependenciesOptions = {}): Promise<DependencyReport> {
  let X = asMatrix(options.fitLogits ?? logits, options.fitLogits ? 'fitLogits' : 'logits');
  if (options.fitLogits) {
    const L = asMatrix(logits, 'logits');
    if (L.cols !== X.cols) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `fitLogits has ${X.cols} categories, logits ${L.cols}`);
  }
  if (options.rows) X = X.sliceRows(options.rows[0], options.rows[1]);
  const center = options.center ?? false;
  if (options.names && options.names.length !== X.cols) {
    throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${options.names.length} names for ${X.cols} categories`);
  }
  const { signal, threads } = options;
  const progress = options.onProgress;
  // Progress: the covariance is the first 30%, the lasso the rest.
  const S = await covariance(X, { center, threads, signal, productPrecision: options.productPrecision ?? 'float64', onProgress: progress && ((f) => progress(0.3 * f)) });
  const lassoShare = options.path ? 0.35 : 0.7;
  const result = await covLasso(S, {
    targets: options.targets,
    lambda: options.lambda,
    lambdaRatio: options.lambda === undefined ? (options.lambdaRatio ?? 0.1) : options.lambdaRatio,
    tol: options.tol,
    maxIter: options.maxIter,
    threads,
    signal,
    onProgress: progress && ((f) => progress(0.3 + lassoShare * f)),
  });
  const report = dependencyReport(result, {
    categories: X.cols,
    samples: X.rows,
    center,
    means: center ? columnMeansOf(X) : undefined,
    names: options.names,
  });
  if (options.path) {
    const path = await covLassoPath(S, {
      targets: options.targets,
      nLambda: options.path.nLambda,
      ratioMin: options.path.ratioMin,
      tol: options.tol,
      maxIter: options.maxIter,
      threads,
      signal,
      onProgress: progress && ((f) => progress(0.65 + 0.35 * f)),
    });
    pathSummaries(path).forEach((p, k) => (report.targets[k].path = p));
  }
  return report;
}

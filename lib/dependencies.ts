/**
 * Neural dependencies within one model: each target category's logit as a sparse linear
 * combination of the other categories' logits, found by the CovLasso on the logit covariance.
 * @module
 */
import { covariance } from './covariance';
import { CovlassoRangeError } from './errors';
import { asMatrix, Matrix, MatrixLike } from './matrix';
import { covLasso, CovLassoResult, targetCoefficients } from './lasso';
import { RunOptions } from './run';

/** Options of {@link findDependencies}. */
export interface FindDependenciesOptions extends RunOptions {
  /** Rows `[begin, end)` of the logits to fit on (default: all). */
  rows?: [number, number];
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

/** One target's dependency, as written by `covlasso deps`. */
export interface TargetDependency {
  target: number;
  name?: string;
  lambda: number;
  lambdaMax: number;
  /** Source categories, by decreasing |coefficient|. */
  sources: number[];
  sourceNames?: string[];
  coef: number[];
  /** μ_target − Σ coef·μ_source, when centered. */
  intercept?: number;
  objective: number;
  gap: number;
  residualVariance: number;
  relativeError: number;
  iterations: number;
  converged: boolean;
}

/** The result of {@link findDependencies}: the JSON `covlasso deps` writes. */
export interface DependencyReport {
  categories: number;
  samples: number;
  center: boolean;
  targets: TargetDependency[];
}

/** Column means of the logits, accumulated in float64. */
export function columnMeans(X: Matrix): Float64Array {
  const means = new Float64Array(X.cols);
  for (let r = 0; r < X.rows; r++) {
    const row = X.row(r);
    for (let c = 0; c < X.cols; c++) means[c] += row[c];
  }
  for (let c = 0; c < X.cols; c++) means[c] /= X.rows;
  return means;
}

/** Builds the per-target report from a solver result (sources sorted by |coef|). */
export function dependencyReport(
  result: CovLassoResult,
  info: { categories: number; samples: number; center: boolean; means?: Float64Array; names?: readonly string[] },
): DependencyReport {
  const targets: TargetDependency[] = [];
  for (let k = 0; k < result.targets.length; k++) {
    const t = result.targets[k];
    const { sources, coef } = targetCoefficients(result.coef, k);
    const order = Array.from(sources.keys()).sort((a, b) => Math.abs(coef[b]) - Math.abs(coef[a]) || sources[a] - sources[b]);
    const dep: TargetDependency = {
      target: t,
      lambda: result.lambda[k],
      lambdaMax: result.lambdaMax[k],
      sources: order.map((i) => sources[i]),
      coef: order.map((i) => coef[i]),
      objective: result.objective[k],
      gap: result.gap[k],
      residualVariance: result.residualVariance[k],
      relativeError: result.relativeError[k],
      iterations: result.iterations[k],
      converged: result.converged[k] === 1,
    };
    if (info.names) {
      dep.name = info.names[t];
      dep.sourceNames = dep.sources.map((s) => info.names![s]);
    }
    if (info.center && info.means) {
      let intercept = info.means[t];
      for (let i = 0; i < dep.sources.length; i++) intercept -= dep.coef[i] * info.means[dep.sources[i]];
      dep.intercept = intercept;
    }
    targets.push(dep);
  }
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
  let X = asMatrix(logits, 'logits');
  if (options.rows) X = X.sliceRows(options.rows[0], options.rows[1]);
  const center = options.center ?? false;
  if (options.names && options.names.length !== X.cols) {
    throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${options.names.length} names for ${X.cols} categories`);
  }
  const { signal, threads } = options;
  const progress = options.onProgress;
  // Progress: the covariance is the first 30%, the lasso the rest.
  const S = await covariance(X, { center, threads, signal, onProgress: progress && ((f) => progress(0.3 * f)) });
  const result = await covLasso(S, {
    targets: options.targets,
    lambda: options.lambda,
    lambdaRatio: options.lambda === undefined ? (options.lambdaRatio ?? 0.1) : options.lambdaRatio,
    tol: options.tol,
    maxIter: options.maxIter,
    threads,
    signal,
    onProgress: progress && ((f) => progress(0.3 + 0.7 * f)),
  });
  return dependencyReport(result, {
    categories: X.cols,
    samples: X.rows,
    center,
    means: center ? columnMeans(X) : undefined,
    names: options.names,
  });
}

/**
 * Neural dependencies across two models: each category of model A as a sparse combination of
 * model B's logits over the same samples (and/or B from A). General-form CovLasso with
 * G = S_BB, s_t = S_BA[:, t], d_t = S_AA[t, t], no exclusion.
 * @module
 */
import { crossMoments, covariance } from '../covariance/in-memory';
import { CovlassoRangeError } from '../runtime/errors';
import { asMatrix, Matrix, MatrixLike } from '../runtime/matrix';
import { progressStages } from '../runtime/progress';
import { RunOptions } from '../runtime/run';
import type { DependencyReport, TargetPath } from '../dependencies/types';
import { columnMeansOf, columnVariances } from '../covariance/columns';
import { pathSummaries, targetRecords } from '../dependencies/records';
import { generalProblem, solveGeneral } from '../lasso/general';
import type { PathOptions } from '../lasso/general';

/** Which way to explain: `'A<-B'` (A's categories from B's logits), `'B<-A'`, or both. */
export type CrossDirection = 'A<-B' | 'B<-A' | 'both';

/** Options of {@link crossDependencies}. */
export interface CrossDependenciesOptions extends RunOptions {
  /**
   * Products of the covariance for float32 logits (see `covariance`). Default `'float64'` here:
   * certificates, λ_max and comparisons with float64 references (scikit-learn) then hold to the
   * last digits; the covariance is a small part of a dependency search's cost.
   */
  productPrecision?: 'float32' | 'float64';
  /** Rows `[begin, end)` of both matrices to fit on (default: all). */
  rows?: [number, number];
  /** Target categories of the explained model (default: all). */
  targets?: ArrayLike<number>;
  /** Absolute λ. */
  lambda?: number;
  /** λ_t = ratio · max_j |S_BA[j, t]| (default 0.1). */
  lambdaRatio?: number;
  /** Also trace each target's λ path (see {@link FindDependenciesOptions.path}). */
  path?: Pick<PathOptions, 'nLambda' | 'ratioMin'>;
  /** Center both models' logits (fit intercepts). */
  center?: boolean;
  /** Default `'A<-B'`. */
  direction?: CrossDirection;
  /** Class names of model A. */
  namesA?: readonly string[];
  /** Class names of model B. */
  namesB?: readonly string[];
  /** Certificate tolerance (default 1e-6). */
  tol?: number;
  /** Sweeps per target (default 100000). */
  maxIter?: number;
}

/** A cross-model report: `targets[].target` indexes the target model, `sources` the source model. */
export interface CrossDependencyReport extends DependencyReport {
  /** `'A<-B'`: targets are A's categories, sources B's; `'B<-A'` the reverse. */
  direction: 'A<-B' | 'B<-A';
  /** Number of source categories (the other model's). */
  sourceCategories: number;
}

/** The result of {@link crossDependencies}: one report per requested direction. */
export interface CrossDependencies {
  /** A's categories from B's logits (direction 'A<-B' or 'both'). */
  aFromB?: CrossDependencyReport;
  /** B's categories from A's logits (direction 'B<-A' or 'both'). */
  bFromA?: CrossDependencyReport;
}

async function oneWay(T: Matrix, Sx: Matrix, dir: 'A<-B' | 'B<-A', tNames: readonly string[] | undefined, sNames: readonly string[] | undefined, options: CrossDependenciesOptions): Promise<CrossDependencyReport> {
  const center = options.center ?? false;
  const { threads, signal } = options;
  const productPrecision = options.productPrecision ?? 'float64';
  const [gramProgress, crossProgress, solveProgress, pathProgress] = progressStages(options.onProgress, [1, 1, 2, options.path ? 4 : 0]);
  const G = await covariance(Sx, { center, threads, signal, productPrecision, onProgress: gramProgress });
  const cross = await crossMoments(Sx, T, { center, threads, signal, productPrecision, onProgress: crossProgress });
  const tMeans = center ? columnMeansOf(T) : undefined;
  const sMeans = center ? columnMeansOf(Sx) : undefined;
  const problem = generalProblem(G, cross, columnVariances(T, center, tMeans));
  const solverOptions = { targets: options.targets, tol: options.tol, maxIter: options.maxIter, threads, signal };
  const result = await solveGeneral(problem, { ...solverOptions, lambda: options.lambda, lambdaRatio: options.lambdaRatio, onProgress: solveProgress });
  const targets = targetRecords(result, { targetNames: tNames, sourceNames: sNames, targetMeans: tMeans, sourceMeans: sMeans });
  if (options.path) {
    const path = await solveGeneral(problem, { ...solverOptions, path: options.path, onProgress: pathProgress });
    pathSummaries(path).forEach((p: TargetPath, k) => (targets[k].path = p));
  }
  return { categories: T.cols, samples: T.rows, center, direction: dir, sourceCategories: Sx.cols, targets };
}

/**
 * Cross-model neural dependencies over the same samples (rows): with `direction: 'A<-B'` (the
 * default) each category t of model A is fitted as Σ_j β_j·B_j (+ intercept when centered):
 * G = S_BB, s_t = S_BA[:, t], d_t = S_AA[t, t], nothing excluded; λ ratio relative to
 * λ_max(t) = max_j |S_BA[j, t]|. `'B<-A'` swaps the roles; `'both'` returns both reports.
 * @param logitsA - N×Ca logits of model A
 * @param logitsB - N×Cb logits of model B (same rows)
 * @example
 * const { aFromB } = await crossDependencies(A, B, { rows: [0, 8000], lambdaRatio: 0.1 });
 * aFromB.targets[7].sources; // B's categories that reproduce A's category 7
 */
export async function crossDependencies(logitsA: MatrixLike, logitsB: MatrixLike, options: CrossDependenciesOptions = {}): Promise<CrossDependencies> {
  let A = asMatrix(logitsA, 'logitsA');
  let B = asMatrix(logitsB, 'logitsB');
  if (A.rows !== B.rows) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `both models need the same rows, got ${A.rows} and ${B.rows}`);
  if (options.namesA && options.namesA.length !== A.cols) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${options.namesA.length} names for model A's ${A.cols} categories`);
  if (options.namesB && options.namesB.length !== B.cols) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${options.namesB.length} names for model B's ${B.cols} categories`);
  if (options.rows) {
    A = A.sliceRows(options.rows[0], options.rows[1]);
    B = B.sliceRows(options.rows[0], options.rows[1]);
  }
  const direction = options.direction ?? 'A<-B';
  if (direction !== 'A<-B' && direction !== 'B<-A' && direction !== 'both') {
    throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `direction must be 'A<-B', 'B<-A' or 'both', got ${String(direction)}`);
  }
  const out: CrossDependencies = {};
  const [first, second] = progressStages(options.onProgress, direction === 'both' ? [1, 1] : [1, 0]);
  if (direction !== 'B<-A') out.aFromB = await oneWay(A, B, 'A<-B', options.namesA, options.namesB, { ...options, onProgress: first });
  if (direction !== 'A<-B') out.bFromA = await oneWay(B, A, 'B<-A', options.namesB, options.namesA, { ...options, onProgress: direction === 'both' ? second : first });
  return out;
}

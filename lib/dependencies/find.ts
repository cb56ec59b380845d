/**
 * Neural dependencies within one model: each target category's logit as a sparse linear
 * combination of the other categories' logits, found by the CovLasso on the logit covariance.
 * @module
 */
import { CovarianceAccumulator } from '../covariance/accumulator';
import { FactoredCovariance } from '../covariance/factored';
import { covariance } from '../covariance/in-memory';
import { accumulateFromNpy, NpyStreamOptions } from '../covariance/stream';
import { CovlassoRangeError, CovlassoTypeError } from '../runtime/errors';
import { asMatrix, Matrix, MatrixLike } from '../runtime/matrix';
import { covLasso, covLassoPath, CovLassoBaseOptions, CovLassoResult } from '../lasso/covlasso';
import type { PathOptions } from '../lasso/general';
import { progressStages } from '../runtime/progress';
import { markPrivate } from '../runtime/typed';
import { RunOptions } from '../runtime/run';
import { columnMeansOf } from '../covariance/columns';
import { pathSummaries, targetRecords } from './records';
import type { DependencyReport } from './types';

export type { DependencyReport, TargetDependency, TargetPath } from './types';

/** Products of a dependency search's covariance unless told otherwise (see `productPrecision`). */
const DEPENDENCY_PRODUCT_PRECISION = 'float64';
/**
 * Options of {@link findDependencies}; `positive`, `l1Ratio` and `penaltyFactor` are
 * {@link covLasso}'s (and apply to the path too).
 */
export interface FindDependenciesOptions extends RunOptions, Pick<CovLassoBaseOptions, 'positive' | 'l1Ratio' | 'penaltyFactor'> {
  /**
   * Products of the covariance for float32 logits (see `covariance`). Default `'float64'` here:
   * certificates, λ_max and comparisons with float64 references (scikit-learn) then hold to the
   * last digits; the covariance is a small part of a dependency search's cost. Not for an
   * accumulator (its products were chosen when it was fed).
   */
  productPrecision?: 'float32' | 'float64';
  /** Rows `[begin, end)` of the logits to fit on (default: all; not for an accumulator). */
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
  path?: Pick<PathOptions, 'nLambda' | 'ratioMin'>;
  /** Target categories (default: all). */
  targets?: ArrayLike<number>;
  /** Absolute λ (our convention: half the paper's λ; equal to scikit-learn's alpha). */
  lambda?: number;
  /** λ relative to each target's λ_max (default 0.1 when `lambda` is not given). */
  lambdaRatio?: number;
  /** Center the logits (fit an intercept), like scikit-learn's `fit_intercept=True`. */
  center?: boolean;
  /** Delta degrees of freedom of the centered covariance (default 0; see `covariance`). */
  ddof?: number;
  /** Certificate tolerance: gap ≤ tol · variance (default 1e-6). */
  tol?: number;
  /** Coordinate-descent sweeps allowed per target (default 100000). */
  maxIter?: number;
  /** Class names, carried into the report. */
  names?: readonly string[];
  /**
   * The element type the solves hold S in. `'float64'`: as computed; `'float32'`: S is rounded
   * once (half the memory: 1.6 GB instead of 3.2 at C = 20000, and half the bytes each solve
   * streams, about 1.4× faster there), then solved and certified in float64 arithmetic: the
   * report is exact for the rounded S, whose objectives differ from the float64 one's by about
   * 1e-8·S_tt. Default: a computed covariance stays float64; a given S keeps its dtype.
   */
  covarianceDtype?: 'float32' | 'float64';
}

/** Checks `covarianceDtype` before any work is done. */
function checkCovarianceDtype(options: Pick<FindDependenciesOptions, 'covarianceDtype'>): void {
  const dtype = options.covarianceDtype;
  if (dtype !== undefined && dtype !== 'float32' && dtype !== 'float64') {
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', `covarianceDtype must be 'float32' or 'float64', got ${String(dtype)}`);
  }
}

/**
 * S in the dtype `covarianceDtype` asks for (itself when it is already, or when none is asked).
 * `owned`: S was made here and is never handed out, and neither is a converted copy: the solves
 * read it in place (markPrivate) instead of copying it for each async call.
 */
function solverCovariance(S: Matrix, options: Pick<FindDependenciesOptions, 'covarianceDtype'>, owned: boolean): Matrix {
  const out = options.covarianceDtype === undefined ? S : S.astype(options.covarianceDtype);
  if (owned || out !== S) markPrivate(out.data);
  return out;
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

/** The moments a dependency search needs, from logits or from an accumulator. */
interface FitMoments {
  S: Matrix | FactoredCovariance;
  categories: number;
  samples: number;
  /** Column means, for centered fits. */
  means?: Float64Array;
}

/** The covariance (and means) of the fitted rows of a logits matrix. */
async function matrixMoments(logits: MatrixLike, options: FindDependenciesOptions, center: boolean, onProgress?: (f: number) => void): Promise<FitMoments> {
  let X = asMatrix(options.fitLogits ?? logits, options.fitLogits ? 'fitLogits' : 'logits');
  if (options.fitLogits) {
    const L = asMatrix(logits, 'logits');
    if (L.cols !== X.cols) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `fitLogits has ${X.cols} categories, logits ${L.cols}`);
  }
  if (options.rows) X = X.sliceRows(options.rows[0], options.rows[1]);
  checkNames(options.names, X.cols);
  const { signal, threads } = options;
  const S = await covariance(X, { center, ddof: options.ddof, threads, signal, productPrecision: options.productPrecision ?? DEPENDENCY_PRODUCT_PRECISION, onProgress });
  return { S: solverCovariance(S, options, true), categories: X.cols, samples: X.rows, means: center ? columnMeansOf(X) : undefined };
}

/** The covariance (and means) of the rows an accumulator holds. */
function accumulatorMoments(acc: CovarianceAccumulator, options: FindDependenciesOptions, center: boolean): FitMoments {
  if (acc.isCross) throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'findDependencies() needs a covariance accumulator, not a cross-moment one');
  for (const key of ['rows', 'fitLogits', 'productPrecision'] as const) {
    if (options[key] !== undefined) {
      throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', `${key} does not apply to an accumulator (choose the rows and products when feeding it)`);
    }
  }
  if (acc.count === 0) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', 'the accumulator holds no rows');
  checkNames(options.names, acc.cols);
  return { S: solverCovariance(acc.result({ center, ddof: options.ddof }), options, true), categories: acc.cols, samples: acc.count, means: center ? acc.means() : undefined };
}

function checkNames(names: readonly string[] | undefined, categories: number): void {
  if (names && names.length !== categories) {
    throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${names.length} names for ${categories} categories`);
  }
}

/**
 * Finds each target category's sparse dependency on the other categories of the same model.
 * @param logits - N×C logits (float32 or float64), one row per sample; or a covariance
 *   {@link CovarianceAccumulator} that was fed the rows to fit on (e.g. by `accumulateFromNpy`,
 *   or merged shards), whose updates have settled: the covariance is then its
 *   `result({ center })`, the means behind intercepts `shift + sum/count` from its state, and
 *   `samples` its count (`rows`, `fitLogits` and `productPrecision` do not apply)
 * @example
 * const report = await findDependencies(logits, { rows: [0, 8000], lambdaRatio: 0.1 });
 * report.targets[0].sources; // the categories target 0 depends on
 * // the same from a file of any size, streamed:
 * const acc = await accumulateFromNpy('logits.npy', { rows: [0, 8000], productPrecision: 'float64' });
 * const same = await findDependencies(acc, { lambdaRatio: 0.1 });
 */
export async function findDependencies(logits: MatrixLike | CovarianceAccumulator, options: FindDependenciesOptions = {}): Promise<DependencyReport> {
  checkCovarianceDtype(options);
  const center = options.center ?? false;
  const progress = options.onProgress;
  // Progress: the covariance of a matrix is the first 30%, the lasso (and path) the rest.
  const streamed = logits instanceof CovarianceAccumulator;
  const covShare = streamed ? 0 : 0.3;
  const moments = streamed
    ? accumulatorMoments(logits, options, center)
    : await matrixMoments(logits, options, center, progress && ((f) => progress(covShare * f)));
  return solveDependencies(moments, center, options, progress && ((f) => progress(covShare + (1 - covShare) * f)));
}

/** The lasso (and path) of every target on the fitted moments, as a report. */
async function solveDependencies(moments: FitMoments, center: boolean, options: FindDependenciesOptions, progress?: (f: number) => void): Promise<DependencyReport> {
  const { S } = moments;
  const { signal, threads } = options;
  const [solveProgress, pathProgress] = progressStages(progress, [1, options.path ? 1 : 0]);
  const shape = { positive: options.positive, l1Ratio: options.l1Ratio, penaltyFactor: options.penaltyFactor };
  const result = await covLasso(S, {
    ...shape,
    targets: options.targets,
    lambda: options.lambda,
    lambdaRatio: options.lambda === undefined ? (options.lambdaRatio ?? 0.1) : options.lambdaRatio,
    tol: options.tol,
    maxIter: options.maxIter,
    threads,
    signal,
    onProgress: solveProgress,
  });
  const report = dependencyReport(result, { categories: moments.categories, samples: moments.samples, center, means: moments.means, names: options.names });
  if (options.path) {
    const path = await covLassoPath(S, {
      ...shape,
      targets: options.targets,
      nLambda: options.path.nLambda,
      ratioMin: options.path.ratioMin,
      tol: options.tol,
      maxIter: options.maxIter,
      threads,
      signal,
      onProgress: pathProgress,
    });
    pathSummaries(path).forEach((p, k) => (report.targets[k].path = p));
  }
  return report;
}

/** Options of {@link dependenciesFromCovariance}. */
export interface DependenciesFromCovarianceOptions extends Omit<FindDependenciesOptions, 'rows' | 'fitLogits' | 'productPrecision' | 'ddof'> {
  /** Rows the covariance was computed from (recorded in the report; default 0: unknown). */
  samples?: number;
  /** `center`: whether S is a centered covariance (recorded); with `means` the report carries intercepts. */
  means?: Float64Array;
}

/**
 * {@link findDependencies} on a covariance computed beforehand (e.g. `covlasso cov --out S.npy`):
 * every target's lasso on S as given. Intercepts need the column means (`means`, with
 * `center: true`); without them a centered fit's report has none. S may be a
 * {@link FactoredCovariance} (a linear head's S = Ã K Ãᵀ, solved without forming it): then
 * `center`, `samples` and the centered fit's means default to the factored covariance's own.
 * @example
 * const S = await readNpy('S.npy');
 * const report = await dependenciesFromCovariance(new Matrix(C, C, S.data as Float64Array), { center: true, samples: 8000 });
 * // a vocabulary-sized head: S never formed
 * const F = factoredCovariance({ head: W, bias, features: acc, center: true });
 * const deps = await dependenciesFromCovariance(F, { targets: [0, 1, 2] });
 */
export async function dependenciesFromCovariance(S: MatrixLike | FactoredCovariance, options: DependenciesFromCovarianceOptions = {}): Promise<DependencyReport> {
  checkCovarianceDtype(options);
  if (S instanceof FactoredCovariance) return factoredDependencies(S, options);
  const cov = asMatrix(S, 'S');
  if (cov.rows !== cov.cols) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `S must be square, got ${cov.rows}x${cov.cols}`);
  const { samples, center } = reportInfo(cov.cols, options);
  return solveDependencies({ S: solverCovariance(cov, options, false), categories: cov.cols, samples, means: options.means }, center, options, options.onProgress);
}

/** The factored case of {@link dependenciesFromCovariance}: its own centering, count and logit means. */
function factoredDependencies(F: FactoredCovariance, options: DependenciesFromCovarianceOptions): Promise<DependencyReport> {
  if (options.covarianceDtype !== undefined) throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'covarianceDtype does not apply to a factored covariance (S is never formed)');
  if (options.center !== undefined && options.center !== F.center) {
    throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `center: ${options.center} contradicts the factored covariance (center: ${F.center})`);
  }
  const { samples } = reportInfo(F.categories, { ...options, samples: options.samples ?? F.count });
  const means = options.means ?? (F.center ? F.logitMeans() : undefined);
  return solveDependencies({ S: F, categories: F.categories, samples, means }, F.center, options, options.onProgress);
}

/** The checked report fields of {@link dependenciesFromCovariance}. */
function reportInfo(categories: number, options: DependenciesFromCovarianceOptions): { samples: number; center: boolean } {
  checkNames(options.names, categories);
  const samples = options.samples ?? 0;
  if (!Number.isSafeInteger(samples) || samples < 0) throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `samples must be a non-negative integer, got ${samples}`);
  if (options.means !== undefined && options.means.length !== categories) {
    throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `means must hold ${categories} values, got ${options.means.length}`);
  }
  return { samples, center: options.center ?? false };
}

/** Options of {@link findDependenciesFromNpy}: those of {@link findDependencies} and of the stream. */
export interface FindDependenciesFromNpyOptions extends Omit<FindDependenciesOptions, 'fitLogits'>, Pick<NpyStreamOptions, 'chunkRows' | 'maxMemory' | 'void2'> {}

/**
 * {@link findDependencies} on rows of a 2-d float32/float64 (or float16/bfloat16, widened chunk
 * by chunk) `.npy` file of any size: the rows
 * are streamed through {@link accumulateFromNpy} (bounded memory, `maxMemory` / `chunkRows` as
 * for `covarianceFromNpy`; products in float64 unless `productPrecision` says otherwise), never
 * holding the file. Equal to `findDependencies` of the loaded matrix: bitwise in S, objectives
 * and coefficients with the default chunking (multiples of 4096 rows), intercepts within
 * rounding. Progress: the stream is the first 30%. This is what `covlasso deps` runs.
 * @example
 * const report = await findDependenciesFromNpy('logits.npy', { rows: [0, 8000], center: true, maxMemory: '1g' });
 */
export async function findDependenciesFromNpy(path: string, options: FindDependenciesFromNpyOptions = {}): Promise<DependencyReport> {
  const { rows, chunkRows, maxMemory, productPrecision, void2, ...rest } = options;
  checkCovarianceDtype(options);
  const progress = options.onProgress;
  const acc = await accumulateFromNpy(path, {
    rows, chunkRows, maxMemory, void2,
    productPrecision: productPrecision ?? DEPENDENCY_PRODUCT_PRECISION,
    threads: options.threads,
    signal: options.signal,
    onProgress: progress && ((f) => progress(0.3 * f)),
  });
  return findDependencies(acc, { ...rest, onProgress: progress && ((f) => progress(0.3 + 0.7 * f)) });
}

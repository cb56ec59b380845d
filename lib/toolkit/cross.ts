/**
 * Neural dependencies across two models: each category of model A as a sparse combination of
 * model B's logits over the same samples (and/or B from A). General-form CovLasso with
 * G = S_BB, s_t = S_BA[:, t], d_t = S_AA[t, t], no exclusion.
 * @module
 */
import { FactoredCovariance, FactoredCrossCovariance } from '../covariance/factored';
import { crossMoments, covariance } from '../covariance/in-memory';
import { CovlassoRangeError } from '../runtime/errors';
import { asMatrix, Matrix, MatrixLike } from '../runtime/matrix';
import { progressStages } from '../runtime/progress';
import { RunOptions } from '../runtime/run';
import type { DependencyReport, TargetPath } from '../dependencies/types';
import { columnMeansOf, columnVariances } from '../covariance/columns';
import { pathSummaries, targetRecords } from '../dependencies/records';
import { generalProblem, solveGeneral } from '../lasso/general';
import type { GeneralProblem } from '../lasso/types';
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

/** One direction's problem and what its report records, from logits or from a factored pair. */
interface OneWayInput {
  problem: GeneralProblem;
  categories: number;
  sourceCategories: number;
  samples: number;
  tMeans?: Float64Array;
  sMeans?: Float64Array;
}

async function fromLogits(T: Matrix, Sx: Matrix, options: CrossDependenciesOptions, progress: [((f: number) => void) | undefined, ((f: number) => void) | undefined]): Promise<OneWayInput> {
  const center = options.center ?? false;
  const { threads, signal } = options;
  const productPrecision = options.productPrecision ?? 'float64';
  const G = await covariance(Sx, { center, threads, signal, productPrecision, onProgress: progress[0] });
  const cross = await crossMoments(Sx, T, { center, threads, signal, productPrecision, onProgress: progress[1] });
  const tMeans = center ? columnMeansOf(T) : undefined;
  const sMeans = center ? columnMeansOf(Sx) : undefined;
  return { problem: generalProblem(G, cross, columnVariances(T, center, tMeans)), categories: T.cols, sourceCategories: Sx.cols, samples: T.rows, tMeans, sMeans };
}

/** A direction of a factored pair: G = S_SS and the cross moments Ã_S K_ST Ã_Tᵀ, never formed. */
function fromFactored(pair: FactoredCrossCovariance, source: 'a' | 'b', threads: number | undefined): OneWayInput {
  const S: FactoredCovariance = pair[source];
  const T: FactoredCovariance = pair[source === 'a' ? 'b' : 'a'];
  const problem: GeneralProblem = {
    factored: { ...S.nativeHead(), cross: pair.nativeCross(source) },
    p: S.categories,
    m: T.categories,
    variance: T.diagonalSync({ threads }),
    excludeSelf: false,
  };
  const means = pair.center ? { tMeans: T.logitMeans(), sMeans: S.logitMeans() } : {};
  return { problem, categories: T.categories, sourceCategories: S.categories, samples: pair.count, ...means };
}

async function oneWay(input: (progress: [((f: number) => void) | undefined, ((f: number) => void) | undefined]) => Promise<OneWayInput> | OneWayInput, dir: 'A<-B' | 'B<-A', tNames: readonly string[] | undefined, sNames: readonly string[] | undefined, center: boolean, options: CrossDependenciesOptions): Promise<CrossDependencyReport> {
  const { threads, signal } = options;
  const [gramProgress, crossProgress, solveProgress, pathProgress] = progressStages(options.onProgress, [1, 1, 2, options.path ? 4 : 0]);
  const { problem, categories, sourceCategories, samples, tMeans, sMeans } = await input([gramProgress, crossProgress]);
  const solverOptions = { targets: options.targets, tol: options.tol, maxIter: options.maxIter, threads, signal };
  const result = await solveGeneral(problem, { ...solverOptions, lambda: options.lambda, lambdaRatio: options.lambdaRatio, onProgress: solveProgress });
  const targets = targetRecords(result, { targetNames: tNames, sourceNames: sNames, targetMeans: tMeans, sourceMeans: sMeans });
  if (options.path) {
    const path = await solveGeneral(problem, { ...solverOptions, path: options.path, onProgress: pathProgress });
    pathSummaries(path).forEach((p: TargetPath, k) => (targets[k].path = p));
  }
  return { categories, samples, center, direction: dir, sourceCategories, targets };
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
export async function crossDependencies(logitsA: MatrixLike, logitsB: MatrixLike, options?: CrossDependenciesOptions): Promise<CrossDependencies>;
/**
 * The same on two linear heads' factored moments ({@link factoredCrossCovariance}): S_AA, S_BB and
 * S_AB are never formed; `center` comes from the pair, `rows` and `productPrecision` do not apply.
 */
export async function crossDependencies(pair: FactoredCrossCovariance, options?: CrossDependenciesOptions): Promise<CrossDependencies>;
export async function crossDependencies(first: MatrixLike | FactoredCrossCovariance, second?: MatrixLike | CrossDependenciesOptions, third?: CrossDependenciesOptions): Promise<CrossDependencies> {
  if (first instanceof FactoredCrossCovariance) return factoredCross(first, (second ?? {}) as CrossDependenciesOptions);
  const options = third ?? {};
  let A = asMatrix(first, 'logitsA');
  let B = asMatrix(second as MatrixLike, 'logitsB');
  if (A.rows !== B.rows) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `both models need the same rows, got ${A.rows} and ${B.rows}`);
  checkNames(options, A.cols, B.cols);
  if (options.rows) {
    A = A.sliceRows(options.rows[0], options.rows[1]);
    B = B.sliceRows(options.rows[0], options.rows[1]);
  }
  const center = options.center ?? false;
  return bothWays(options, (target, progress) => (target === 'a' ? fromLogits(A, B, options, progress) : fromLogits(B, A, options, progress)), center);
}

function checkNames(options: CrossDependenciesOptions, ca: number, cb: number): void {
  if (options.namesA && options.namesA.length !== ca) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${options.namesA.length} names for model A's ${ca} categories`);
  if (options.namesB && options.namesB.length !== cb) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${options.namesB.length} names for model B's ${cb} categories`);
}

function factoredCross(pair: FactoredCrossCovariance, options: CrossDependenciesOptions): Promise<CrossDependencies> {
  for (const key of ['rows', 'productPrecision'] as const) {
    if (options[key] !== undefined) throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `${key} does not apply to factored moments (choose the rows when feeding the features)`);
  }
  if (options.center !== undefined && options.center !== pair.center) {
    throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `center: ${options.center} contradicts the factored moments (center: ${pair.center})`);
  }
  checkNames(options, pair.a.categories, pair.b.categories);
  return bothWays(options, (target) => fromFactored(pair, target === 'a' ? 'b' : 'a', options.threads), pair.center);
}

/** The requested directions; `input(target)` gives the problem explaining that model. */
async function bothWays(options: CrossDependenciesOptions, input: (target: 'a' | 'b', progress: [((f: number) => void) | undefined, ((f: number) => void) | undefined]) => Promise<OneWayInput> | OneWayInput, center: boolean): Promise<CrossDependencies> {
  const direction = options.direction ?? 'A<-B';
  if (direction !== 'A<-B' && direction !== 'B<-A' && direction !== 'both') {
    throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `direction must be 'A<-B', 'B<-A' or 'both', got ${String(direction)}`);
  }
  const out: CrossDependencies = {};
  const [first, second] = progressStages(options.onProgress, direction === 'both' ? [1, 1] : [1, 0]);
  if (direction !== 'B<-A') out.aFromB = await oneWay((p) => input('a', p), 'A<-B', options.namesA, options.namesB, center, { ...options, onProgress: first });
  if (direction !== 'A<-B') out.bFromA = await oneWay((p) => input('b', p), 'B<-A', options.namesB, options.namesA, center, { ...options, onProgress: direction === 'both' ? second : first });
  return out;
}

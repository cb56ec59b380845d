/**
 * Choosing λ by what matters for classification: along each target's λ path, the sparsest
 * dependency (largest λ) whose replaced logit keeps the target class's recall and the overall
 * top-1 accuracy on evaluation rows within tolerances; reported next to the literature's
 * fixed choice λ = 0.02·λ_max.
 * @module
 */
import { covariance } from '../covariance/in-memory';
import { CovlassoRangeError } from '../runtime/errors';
import { asMatrix, MatrixLike } from '../runtime/matrix';
import { covLasso, covLassoPath } from '../lasso/covlasso';
import { checkpoints, progressStages } from '../runtime/progress';
import { RunOptions } from '../runtime/run';
import { columnMeansOf } from '../covariance/columns';
import { evaluationSet, predictReplaced, replacedColumn, rowTop2, scorePredictions } from './evaluate';

/** Options of {@link chooseLambdaByRecall}. */
export interface ChooseLambdaOptions extends RunOptions {
  /**
   * Products of the covariance for float32 logits (see `covariance`). Default `'float64'` here:
   * certificates, λ_max and comparisons with float64 references (scikit-learn) then hold to the
   * last digits; the covariance is a small part of a dependency search's cost.
   */
  productPrecision?: 'float32' | 'float64';
  /** Target categories (default: all). */
  targets?: ArrayLike<number>;
  /** λ values on each path (default 50), log-spaced from λ_max down to ratioMin·λ_max. */
  nLambda?: number;
  /** Smallest λ ratio of the path (default 1e-3). */
  ratioMin?: number;
  /**
   * Allowed loss of the target class's recall on the evaluation rows, as a fraction (default 0:
   * no recall loss).
   */
  recallTolerance?: number;
  /** Allowed loss of overall top-1 accuracy, as a fraction (default 0: no accuracy loss). */
  accuracyTolerance?: number;
  /** The fixed λ ratio reported for comparison (default 0.02, the literature's choice). */
  referenceRatio?: number;
  /** Center (fit intercepts; default false). */
  center?: boolean;
  /** Rows `[begin, end)` of `fitLogits` to fit on (default all). */
  fitRows?: [number, number];
  /** Rows `[begin, end)` of `evalLogits` (and labels) to evaluate on (default all). */
  evalRows?: [number, number];
  /** Class names carried into the output. */
  names?: readonly string[];
  /** Certificate tolerance (default 1e-6). */
  tol?: number;
}

/** A dependency at one λ and what it does on the evaluation rows. */
export interface ScoredDependency {
  /** λ / λ_max of the target. */
  lambdaRatio: number;
  /** Absolute λ. */
  lambda: number;
  /** Source categories. */
  sources: number[];
  /** Names of `sources`, when names were given. */
  sourceNames?: string[];
  /** Coefficients of `sources`. */
  coef: number[];
  /** Intercept, when centered. */
  intercept?: number;
  /** Relative error r²/S_tt on the fitted rows. */
  relativeError: number;
  /** Recall of the target class after replacement. */
  recall: number;
  /** Overall top-1 accuracy after replacement. */
  accuracy: number;
}

/** One target's choice. */
export interface LambdaChoice {
  /** Index of the target category. */
  target: number;
  /** Its name, when names were given. */
  name?: string;
  /** Recall of the target class with the original logits. */
  recallBefore: number;
  /** Top-1 accuracy with the original logits. */
  accuracyBefore: number;
  /** The sparsest path solution within both tolerances (null when none is). */
  chosen: ScoredDependency | null;
  /** The solution at `referenceRatio` (0.02 by default), evaluated the same way. */
  reference: ScoredDependency;
}

/** The result of {@link chooseLambdaByRecall}. */
export interface LambdaChoiceReport {
  /** The recall loss allowed. */
  recallTolerance: number;
  /** The accuracy loss allowed. */
  accuracyTolerance: number;
  /** λ / λ_max of the reference solution. */
  referenceRatio: number;
  /** Number of evaluation rows. */
  evalRows: number;
  /** One choice per target. */
  targets: LambdaChoice[];
}

/**
 * For each target: its λ path on `fitLogits` (covariance, then {@link covLassoPath}); walking from
 * λ_max down, the first (largest-λ, sparsest) solution whose replaced logit keeps
 * recall ≥ recallBefore − recallTolerance and accuracy ≥ accuracyBefore − accuracyTolerance on
 * the evaluation rows. Defaults: no loss at all (both tolerances 0), 50 λ down to 1e-3·λ_max.
 * Also reports the solution at λ = 0.02·λ_max, the literature's choice.
 * @example
 * const r = await chooseLambdaByRecall(F, F, labels, { fitRows: [0, 8000], evalRows: [8000, 12000], targets: [0, 1] });
 * r.targets[0].chosen?.lambdaRatio; r.targets[0].reference.sources;
 */
export async function chooseLambdaByRecall(fitLogits: MatrixLike, evalLogits: MatrixLike, labels: ArrayLike<number> | BigInt64Array, options: ChooseLambdaOptions = {}): Promise<LambdaChoiceReport> {
  let F = asMatrix(fitLogits, 'fitLogits');
  if (options.fitRows) F = F.sliceRows(options.fitRows[0], options.fitRows[1]);
  const { X, y } = evaluationSet(evalLogits, labels, { rows: options.evalRows });
  if (X.cols !== F.cols) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `fit logits have ${F.cols} categories, evaluation logits ${X.cols}`);
  const recallTolerance = options.recallTolerance ?? 0;
  const accuracyTolerance = options.accuracyTolerance ?? 0;
  const referenceRatio = options.referenceRatio ?? 0.02;
  for (const [k, v] of Object.entries({ recallTolerance, accuracyTolerance, referenceRatio })) {
    if (typeof v !== 'number' || !(v >= 0)) throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `${k} must be a number >= 0, got ${v}`);
  }
  const center = options.center ?? false;
  const { threads, signal } = options;
  // Progress: covariance, path, reference fit, then scoring the candidates (JS, the longest).
  const [covProgress, pathProgress, refProgress, scoreProgress] = progressStages(options.onProgress, [1, 3, 1, 5]);
  const S = await covariance(F, { center, threads, signal, productPrecision: options.productPrecision ?? 'float64', onProgress: covProgress });
  const base = { targets: options.targets, tol: options.tol, threads, signal };
  const path = await covLassoPath(S, { ...base, nLambda: options.nLambda ?? 50, ratioMin: options.ratioMin ?? 1e-3, onProgress: pathProgress });
  const ref = await covLasso(S, { ...base, lambdaRatio: referenceRatio, onProgress: refProgress });
  const checkpoint = checkpoints(signal, scoreProgress);
  const means = center ? columnMeansOf(F) : undefined;
  const top = rowTop2(X);
  const pred = new Int32Array(X.rows);
  const names = options.names;
  const scored = (t: number, col: number, coef: typeof path.coef, ratio: number, lambda: number, relErr: number): ScoredDependency => {
    const from = coef.indptr[col], to = coef.indptr[col + 1];
    const sources = Array.from(coef.indices.subarray(from, to));
    const c = Array.from(coef.values.subarray(from, to));
    const dep: ScoredDependency = { lambdaRatio: ratio, lambda, sources, coef: c, relativeError: relErr, recall: 0, accuracy: 0 };
    if (means) dep.intercept = sources.reduce((acc, j, q) => acc - c[q] * means[j], means[t]);
    const s = scorePredictions(predictReplaced(top, t, replacedColumn(X, dep), pred), y, t);
    dep.recall = s.recall;
    dep.accuracy = s.accuracy;
    if (names) dep.sourceNames = sources.map((j) => names[j]);
    return dep;
  };
  const K = path.nLambda;
  const targets: LambdaChoice[] = [];
  for (let k = 0; k < path.targets.length; k++) {
    await checkpoint(k / path.targets.length);
    const t = path.targets[k];
    const before = scorePredictions(top.bestIndex, y, t);
    let chosen: ScoredDependency | null = null;
    for (let l = 0; l < path.pathLength[k] && !chosen; l++) {
      const col = k * K + l;
      const cand = scored(t, col, path.coef, path.ratios![l], path.lambda[col], path.relativeError[col]);
      const recallOk = before.support === 0 || cand.recall >= before.recall - recallTolerance - 1e-12;
      if (recallOk && cand.accuracy >= before.accuracy - accuracyTolerance - 1e-12) chosen = cand;
    }
    const choice: LambdaChoice = {
      target: t,
      recallBefore: before.recall,
      accuracyBefore: before.accuracy,
      chosen,
      reference: scored(t, k, ref.coef, referenceRatio, ref.lambda[k], ref.relativeError[k]),
    };
    if (names) choice.name = names[t];
    targets.push(choice);
  }
  scoreProgress?.(1);
  return { recallTolerance, accuracyTolerance, referenceRatio, evalRows: X.rows, targets };
}

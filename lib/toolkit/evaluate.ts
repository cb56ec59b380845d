/**
 * What a dependency costs in classification: top-1 accuracy and the target class's recall before
 * and after replacing a category's logit by its sparse combination of other logits, one target
 * at a time and all targets at once. O(N·(C + nnz)) per target via per-row top-2 values.
 * @module
 */
import { CovlassoRangeError } from '../runtime/errors';
import { asMatrix, Matrix, MatrixLike } from '../runtime/matrix';
import { toLabels } from './select';

/** The part of a dependency that replacement needs (a {@link TargetDependency} has it). */
export interface DependencyLike {
  /** Target category (a column of the evaluated logits). */
  target: number;
  /** Source categories (columns of the source logits). */
  sources: ArrayLike<number>;
  /** Coefficients, one per source. */
  coef: ArrayLike<number>;
  /** Added to the combination (centered fits). */
  intercept?: number;
  /** Target name, carried into the output. */
  name?: string;
}

/** Options of {@link evaluateReplacement}. */
export interface ReplacementOptions {
  /**
   * Logits the sources are read from (cross-model dependencies: model B's evaluation logits,
   * same rows as `evalLogits`). Default: `evalLogits` itself.
   */
  sourceLogits?: MatrixLike;
  /** Rows `[begin, end)` of the evaluation logits (and labels, and source logits) to use (default: all). */
  rows?: [number, number];
}

/** One target's replacement outcome. */
export interface TargetReplacement {
  /** Index of the target category. */
  target: number;
  /** Its name, when names were given. */
  name?: string;
  /** Evaluation rows whose label is the target. */
  support: number;
  /** Top-1 accuracy over all rows, original logits. */
  accuracyBefore: number;
  /** Top-1 accuracy over all rows with this target's logit replaced. */
  accuracyAfter: number;
  /** Recall of the target class, original logits (NaN when support is 0). */
  recallBefore: number;
  /** Recall of the target class after replacement (NaN when support is 0). */
  recallAfter: number;
}

/** The result of {@link evaluateReplacement}. */
export interface ReplacementEvaluation {
  /** Evaluation rows. */
  rows: number;
  /** Top-1 accuracy of the original logits. */
  accuracyBefore: number;
  /** Top-1 accuracy with every target replaced at once, each computed from the original logits. */
  accuracyAllReplaced: number;
  /** Per target, in the order of `deps`. */
  targets: TargetReplacement[];
}

/** Per-row top-2 of a logit matrix: values and (first-occurrence) indices. */
export interface RowTop2 {
  /** Each row's largest value. */
  best: Float64Array;
  /** Its column. */
  bestIndex: Int32Array;
  /** Each row's second largest value. */
  second: Float64Array;
  /** Its column. */
  secondIndex: Int32Array;
}

/** Top-2 values and indices of each row (ties: the lower index ranks first, like numpy's argmax). */
export function rowTop2(X: Matrix): RowTop2 {
  const N = X.rows;
  const C = X.cols;
  const out: RowTop2 = { best: new Float64Array(N), bestIndex: new Int32Array(N), second: new Float64Array(N), secondIndex: new Int32Array(N) };
  const d = X.data;
  for (let r = 0; r < N; r++) {
    let b = -Infinity, bi = -1, s = -Infinity, si = -1;
    const base = r * C;
    for (let c = 0; c < C; c++) {
      const v = d[base + c];
      if (v > b) {
        s = b; si = bi; b = v; bi = c;
      } else if (v > s) {
        s = v; si = c;
      }
    }
    out.best[r] = b; out.bestIndex[r] = bi; out.second[r] = s; out.secondIndex[r] = si;
  }
  return out;
}

/** The replaced logit of every row: Σ coef·source + intercept (float64). */
export function replacedColumn(source: Matrix, dep: Pick<DependencyLike, 'sources' | 'coef' | 'intercept'>): Float64Array {
  const N = source.rows;
  const C = source.cols;
  const out = new Float64Array(N).fill(dep.intercept ?? 0);
  const d = source.data;
  for (let q = 0; q < dep.sources.length; q++) {
    const j = dep.sources[q];
    const b = dep.coef[q];
    for (let r = 0; r < N; r++) out[r] += b * d[r * C + j];
  }
  return out;
}

/**
 * Prediction of each row when column t is replaced by `values`: the row max excluding t comes
 * from the precomputed top-2, so this is O(N).
 */
export function predictReplaced(top: RowTop2, t: number, values: Float64Array, out: Int32Array): Int32Array {
  for (let r = 0; r < values.length; r++) {
    const ex = top.bestIndex[r] === t;
    const m = ex ? top.second[r] : top.best[r];
    const mi = ex ? top.secondIndex[r] : top.bestIndex[r];
    const v = values[r];
    out[r] = v > m || (v === m && t < mi) || mi < 0 ? t : mi;
  }
  return out;
}

/** Accuracy and recall of class t for predictions `pred` against `labels`. */
export function scorePredictions(pred: Int32Array, labels: Int32Array, t: number): { accuracy: number; recall: number; support: number } {
  let correct = 0, support = 0, hit = 0;
  for (let r = 0; r < pred.length; r++) {
    if (pred[r] === labels[r]) correct++;
    if (labels[r] === t) {
      support++;
      if (pred[r] === t) hit++;
    }
  }
  return { accuracy: pred.length ? correct / pred.length : NaN, recall: support ? hit / support : NaN, support };
}

/** The evaluation set: logits, source logits and labels restricted to `rows`, checked. */
export function evaluationSet(evalLogits: MatrixLike, labels: ArrayLike<number> | BigInt64Array, options: ReplacementOptions): { X: Matrix; src: Matrix; y: Int32Array } {
  let X = asMatrix(evalLogits, 'evalLogits');
  let src = options.sourceLogits ? asMatrix(options.sourceLogits, 'sourceLogits') : X;
  if (src.rows !== X.rows) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `source logits have ${src.rows} rows, evaluation logits ${X.rows}`);
  let y = toLabels(labels, X.rows);
  if (options.rows) {
    const [a, b] = options.rows;
    const same = src === X;
    X = X.sliceRows(a, b);
    src = same ? X : src.sliceRows(a, b);
    y = y.subarray(a, b);
  }
  return { X, src, y };
}

function checkDeps(deps: readonly DependencyLike[], targetCols: number, sourceCols: number): void {
  for (const dep of deps) {
    if (!Number.isInteger(dep.target) || dep.target < 0 || dep.target >= targetCols) {
      throw new CovlassoRangeError('ERR_COVLASSO_TARGET_OUT_OF_RANGE', `target ${dep.target} is outside 0..${targetCols - 1}`);
    }
    if (dep.sources.length !== dep.coef.length) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `target ${dep.target}: ${dep.sources.length} sources, ${dep.coef.length} coefficients`);
    for (let q = 0; q < dep.sources.length; q++) {
      const j = dep.sources[q];
      if (!Number.isInteger(j) || j < 0 || j >= sourceCols) throw new CovlassoRangeError('ERR_COVLASSO_TARGET_OUT_OF_RANGE', `target ${dep.target}: source ${j} is outside 0..${sourceCols - 1}`);
    }
  }
}

/**
 * Top-1 accuracy (all rows) and target-class recall before and after replacing each target's
 * logit by Σ coef·source (+ intercept): one target at a time (`targets[k]`) and all at once
 * (`accuracyAllReplaced`, every replacement computed from the original logits).
 * @param evalLogits - N×C held-out logits (the model whose categories are targets)
 * @param labels - N true classes (Int32Array, BigInt64Array or numbers)
 * @param deps - dependencies: a report's `targets`, or a report `{ targets }`
 * @param options - `sourceLogits` for cross-model dependencies (model B's logits on the same rows)
 * @example
 * const report = await findDependencies(F, { rows: [0, 8000] });
 * const ev = evaluateReplacement(F, labels, report, { rows: [8000, 12000] });
 */
export function evaluateReplacement(
  evalLogits: MatrixLike,
  labels: ArrayLike<number> | BigInt64Array,
  deps: readonly DependencyLike[] | { targets: readonly DependencyLike[] },
  options: ReplacementOptions = {},
): ReplacementEvaluation {
  const list = Array.isArray(deps) ? (deps as readonly DependencyLike[]) : (deps as { targets: readonly DependencyLike[] }).targets;
  const { X, src, y } = evaluationSet(evalLogits, labels, options);
  checkDeps(list, X.cols, src.cols);
  const N = X.rows;
  const C = X.cols;
  const top = rowTop2(X);
  let correctBefore = 0;
  for (let r = 0; r < N; r++) if (top.bestIndex[r] === y[r]) correctBefore++;
  const accuracyBefore = N ? correctBefore / N : NaN;
  const pred = new Int32Array(N);
  const targets: TargetReplacement[] = [];
  for (const dep of list) {
    const before = scorePredictions(top.bestIndex, y, dep.target);
    const after = scorePredictions(predictReplaced(top, dep.target, replacedColumn(src, dep), pred), y, dep.target);
    const rec: TargetReplacement = {
      target: dep.target,
      support: before.support,
      accuracyBefore: before.accuracy,
      accuracyAfter: after.accuracy,
      recallBefore: before.recall,
      recallAfter: after.recall,
    };
    if (dep.name !== undefined) rec.name = dep.name;
    targets.push(rec);
  }
  // All at once: each row rebuilt from the original logits.
  const row = new Float64Array(C);
  const S = src.cols;
  let correctAll = 0;
  for (let r = 0; r < N; r++) {
    for (let c = 0; c < C; c++) row[c] = X.data[r * C + c];
    for (const dep of list) {
      let v = dep.intercept ?? 0;
      for (let q = 0; q < dep.sources.length; q++) v += dep.coef[q] * src.data[r * S + dep.sources[q]];
      row[dep.target] = v;
    }
    let b = -Infinity, bi = -1;
    for (let c = 0; c < C; c++) if (row[c] > b) { b = row[c]; bi = c; }
    if (bi === y[r]) correctAll++;
  }
  return { rows: N, accuracyBefore, accuracyAllReplaced: N ? correctAll / N : NaN, targets };
}

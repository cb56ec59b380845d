/**
 * Unseen categories: give model A a logit for categories it "never saw" (its columns removed),
 * (a) from a model B that knows them — a sparse combination of A's known logits fitted to B's
 * logit of the category — or (b) from a few labelled examples — a sparse fit of the category's
 * (scaled) indicator on A's known logits. Evaluated by top-1 accuracy over all categories.
 * @module
 */
import { CovlassoRangeError } from '../runtime/errors';
import { asMatrix, Matrix, MatrixLike } from '../runtime/matrix';
import { progressStages } from '../runtime/progress';
import { RunOptions } from '../runtime/run';
import type { TargetDependency } from '../dependencies/types';
import { crossDependencies } from './cross';
import { selectColumns, selectRows, toLabels } from './select';

/** Options of {@link unseenCategories}. */
export interface UnseenOptions extends RunOptions {
  /** The categories treated as unseen by model A (column indices of A). */
  unseen: ArrayLike<number>;
  /** Rows `[begin, end)` to fit on. */
  fitRows: [number, number];
  /** Rows `[begin, end)` to evaluate on. */
  evalRows: [number, number];
  /** Model B's logits (same rows; its column u is category u): enables construction (a). */
  logitsB?: MatrixLike;
  /** Labelled examples per unseen category (first k fit rows of each): enables construction (b). */
  examples?: number;
  /** λ ratio of construction (a) (default 0.01). */
  lambdaRatio?: number;
  /** λ ratio of construction (b) (default 0.03). */
  examplesLambdaRatio?: number;
  /**
   * Construction (b): rescale each fitted logit affinely so that, on the fit rows, its mean over
   * the k examples is `scale` and its mean over the other rows is the mean known logit of those
   * rows (default true): the lasso shrinks a rare indicator towards 0, this undoes the shrinkage.
   */
  calibrate?: boolean;
  /** Center (fit intercepts; default true). */
  center?: boolean;
  /** Class names (of A's categories). */
  names?: readonly string[];
}

/** Accuracy of one way of scoring the evaluation rows. */
export interface UnseenScore {
  /** Top-1 accuracy over all evaluation rows, all categories competing. */
  accuracy: number;
  /** Top-1 accuracy on the evaluation rows whose label is an unseen category. */
  accuracyUnseen: number;
  /** Top-1 accuracy on the other evaluation rows. */
  accuracyKnown: number;
}

/** A construction's dependencies (targets: unseen categories; sources: A's known categories) and its score. */
export interface UnseenConstruction extends UnseenScore {
  /** The dependency each unseen category was built from. */
  targets: TargetDependency[];
}

/** The result of {@link unseenCategories}. */
export interface UnseenResult {
  /** The categories held out as unseen. */
  unseen: number[];
  /** Number of known (seen) categories. */
  known: number;
  /** Number of evaluation rows. */
  evalRows: number;
  /** Rows of unseen categories among the evaluation rows. */
  evalUnseenRows: number;
  /** A's own logits for every category (A actually saw them: the upper bound). */
  original: UnseenScore;
  /** A without the unseen columns (unseen rows are always wrong: the lower bound). */
  knownOnly: UnseenScore;
  /** Construction (a), from model B (when `logitsB` was given). */
  fromModel?: UnseenConstruction;
  /** Construction (b), from `examples` labelled rows per unseen category. */
  fromExamples?: UnseenConstruction & {
    /** Labelled rows used per unseen category. */
    examples: number;
    /** s: the indicator's height (the mean over the fit rows of their largest known logit). */
    scale: number;
  };
}

/**
 * Scores A's evaluation rows: `'original'` (all of A's columns), `'known'` (unseen columns
 * removed), or the unseen columns replaced by `values[k]`.
 */
function score(A: Matrix, y: Int32Array, unseen: readonly number[], isUnseen: Uint8Array, values: Float64Array[] | 'original' | 'known'): UnseenScore {
  const C = A.cols;
  const skip = values !== 'original';
  let ok = 0, okU = 0, nU = 0;
  for (let r = 0; r < A.rows; r++) {
    let b = -Infinity, bi = -1;
    for (let c = 0; c < C; c++) {
      if (skip && isUnseen[c]) continue;
      const v = A.data[r * C + c];
      if (v > b) { b = v; bi = c; }
    }
    if (Array.isArray(values)) {
      for (let k = 0; k < unseen.length; k++) {
        const v = values[k][r];
        if (v > b || (v === b && unseen[k] < bi)) { b = v; bi = unseen[k]; }
      }
    }
    const hit = bi === y[r];
    if (hit) ok++;
    if (isUnseen[y[r]]) { nU++; if (hit) okU++; }
  }
  const nK = A.rows - nU;
  return { accuracy: ok / A.rows, accuracyUnseen: nU ? okU / nU : NaN, accuracyKnown: nK ? (ok - okU) / nK : NaN };
}

function constructed(A: Matrix, deps: TargetDependency[]): Float64Array[] {
  return deps.map((d) => {
    const out = new Float64Array(A.rows).fill(d.intercept ?? 0);
    d.sources.forEach((j, q) => {
      for (let r = 0; r < A.rows; r++) out[r] += d.coef[q] * A.data[r * A.cols + j];
    });
    return out;
  });
}

function remap(deps: TargetDependency[], targets: readonly number[], sources: readonly number[], names?: readonly string[]): TargetDependency[] {
  return deps.map((d) => {
    const out: TargetDependency = { ...d, target: targets[d.target], sources: d.sources.map((j) => sources[j]) };
    delete out.sourceNames;
    delete out.name;
    if (names) {
      out.name = names[out.target];
      out.sourceNames = out.sources.map((j) => names[j]);
    }
    return out;
  });
}

/**
 * Unseen categories for model A. Columns `unseen` of A are treated as absent; each gets a new
 * logit built from A's known logits only, fitted on `fitRows`, then the evaluation rows are
 * classified over all categories (known logits unchanged, unseen ones constructed):
 * (a) `logitsB`: cross-model CovLasso, target = B's logit of u, sources = A's known categories;
 * (b) `examples: k`: target = s·[label = u] over the fit rows of known categories plus the
 * first k fit rows of each unseen category (other unseen rows are not used), s = the mean top
 * known logit of those rows, sources = A's known categories; then calibrated (see
 * {@link UnseenOptions.calibrate}). λ ratios: 0.01 for (a), 0.03 for (b) by default.
 * @example
 * const r = await unseenCategories(A, labels, { unseen: range(900, 1000), fitRows: [0, 8000], evalRows: [8000, 12000], logitsB: B, examples: 4 });
 * r.fromModel.accuracyUnseen; r.fromExamples.accuracy;
 */
export async function unseenCategories(logitsA: MatrixLike, labels: ArrayLike<number> | BigInt64Array, options: UnseenOptions): Promise<UnseenResult> {
  const A = asMatrix(logitsA, 'logitsA');
  const y = toLabels(labels, A.rows, A.cols);
  const C = A.cols;
  const isUnseen = new Uint8Array(C);
  const unseen = Array.from(options.unseen);
  for (const u of unseen) {
    if (!Number.isInteger(u) || u < 0 || u >= C) throw new CovlassoRangeError('ERR_COVLASSO_TARGET_OUT_OF_RANGE', `unseen category ${u} is outside 0..${C - 1}`);
    isUnseen[u] = 1;
  }
  const known: number[] = [];
  for (let c = 0; c < C; c++) if (!isUnseen[c]) known.push(c);
  if (unseen.length === 0 || known.length === 0) throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', 'need at least one unseen and one known category');
  const center = options.center ?? true;
  const [ea, eb] = options.evalRows;
  const evalA = A.sliceRows(ea, eb);
  const evalY = y.subarray(ea, eb);
  const fit = A.sliceRows(options.fitRows[0], options.fitRows[1]);
  const fitY = y.subarray(options.fitRows[0], options.fitRows[1]);
  const evalKnown = selectColumns(evalA, known);
  const [modelProgress, examplesProgress] = progressStages(options.onProgress, [options.logitsB ? 1 : 0, options.examples !== undefined ? 1 : 0]);
  const solver = { threads: options.threads, signal: options.signal, center };
  const result: UnseenResult = {
    unseen,
    known: known.length,
    evalRows: evalA.rows,
    evalUnseenRows: Array.from(evalY).filter((l) => isUnseen[l]).length,
    original: score(evalA, evalY, unseen, isUnseen, 'original'),
    knownOnly: score(evalA, evalY, unseen, isUnseen, 'known'),
  };
  if (options.logitsB) {
    const B = asMatrix(options.logitsB, 'logitsB');
    if (B.rows !== A.rows) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `logitsB has ${B.rows} rows, logitsA ${A.rows}`);
    const Bu = selectColumns(B.sliceRows(options.fitRows[0], options.fitRows[1]), unseen);
    const { aFromB } = await crossDependencies(Bu, selectColumns(fit, known), { ...solver, lambdaRatio: options.lambdaRatio ?? 0.01, onProgress: modelProgress });
    const values = constructed(evalKnown, aFromB!.targets);
    result.fromModel = { ...score(evalA, evalY, unseen, isUnseen, values), targets: remap(aFromB!.targets, unseen, known, options.names) };
  }
  if (options.examples !== undefined) {
    const k = options.examples;
    if (!Number.isInteger(k) || k < 1) throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `examples must be a positive integer, got ${k}`);
    const rows: number[] = [];
    const taken = new Map<number, number>();
    for (let r = 0; r < fit.rows; r++) {
      const l = fitY[r];
      if (!isUnseen[l]) rows.push(r);
      else if ((taken.get(l) ?? 0) < k) { taken.set(l, (taken.get(l) ?? 0) + 1); rows.push(r); }
    }
    const X = selectColumns(selectRows(fit, rows), known);
    let scale = 0;
    for (let i = 0; i < X.rows; i++) {
      let m = -Infinity;
      for (let j = 0; j < X.cols; j++) m = Math.max(m, X.data[i * X.cols + j]);
      scale += m / X.rows;
    }
    const T = new Float64Array(rows.length * unseen.length);
    const col = new Map(unseen.map((u, q) => [u, q]));
    rows.forEach((r, i) => {
      const q = col.get(fitY[r]);
      if (q !== undefined) T[i * unseen.length + q] = scale;
    });
    const { aFromB } = await crossDependencies(new Matrix(rows.length, unseen.length, T), X, { ...solver, lambdaRatio: options.examplesLambdaRatio ?? 0.03, onProgress: examplesProgress });
    if (options.calibrate ?? true) calibrate(aFromB!.targets, X, T, unseen.length, scale);
    const values = constructed(evalKnown, aFromB!.targets);
    result.fromExamples = { ...score(evalA, evalY, unseen, isUnseen, values), targets: remap(aFromB!.targets, unseen, known, options.names), examples: k, scale };
  }
  return result;
}

/** Construction (b)'s two-point affine calibration (see {@link UnseenOptions.calibrate}); updates coef and intercept in place. */
function calibrate(deps: TargetDependency[], X: Matrix, T: Float64Array, m: number, scale: number): void {
  const rowMean = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    let s = 0;
    for (let j = 0; j < X.cols; j++) s += X.data[i * X.cols + j];
    rowMean[i] = s / X.cols;
  }
  deps.forEach((d, q) => {
    let pos = 0, nPos = 0, neg = 0, nNeg = 0, negTarget = 0;
    for (let i = 0; i < X.rows; i++) {
      let v = d.intercept ?? 0;
      for (let k = 0; k < d.sources.length; k++) v += d.coef[k] * X.data[i * X.cols + d.sources[k]];
      if (T[i * m + q] !== 0) { pos += v; nPos++; } else { neg += v; nNeg++; negTarget += rowMean[i]; }
    }
    if (nPos === 0 || nNeg === 0) return;
    pos /= nPos; neg /= nNeg; negTarget /= nNeg;
    if (!(pos - neg > 1e-12)) return;
    const a = (scale - negTarget) / (pos - neg);
    d.coef = d.coef.map((c) => a * c);
    d.intercept = negTarget + a * ((d.intercept ?? 0) - neg);
  });
}

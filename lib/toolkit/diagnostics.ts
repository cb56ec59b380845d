/**
 * Theory diagnostics of a logit covariance: spectrum and numerical rank, each target's λ_max and
 * best achievable relative error with all other categories (pseudo-inverse least squares), how
 * many categories have a dependency below a relative error, the sparsity histogram, and how all
 * of it changes with the number of categories.
 * @module
 */
import { covariance } from '../covariance/in-memory';
import { CovlassoRangeError } from '../runtime/errors';
import { asMatrix, diagonal, Matrix, MatrixLike, toFloat64 } from '../runtime/matrix';
import { asCovariance, covLasso } from '../lasso/covlasso';
import { mulberry32 } from '../random';
import { RunOptions } from '../runtime/run';
import { bestResidualVariances, numericalRank, rangeEigen, SymmetricEigen, symmetricEigenAsync } from './linalg';

/** Options of {@link dependencyDiagnostics}. */
export interface DiagnosticsOptions extends RunOptions {
  /** λ ratio of the lasso whose sparsity and errors are summarised (default 0.1). */
  lambdaRatio?: number;
  /** Relative-error thresholds for the counts (default [0.01, 0.05, 0.1]). */
  thresholds?: number[];
  /** Relative eigenvalue tolerance of the rank (default C·2⁻⁵², numpy's rule). */
  rankTolerance?: number;
  /** Compute the best achievable relative errors (needs eigenvectors: O(C³), ~10 s at C = 1000; default true). */
  bestError?: boolean;
  /** Relative eigenvalue cut of the pseudo-inverse (default 1e-10). */
  pinvTolerance?: number;
  /**
   * `'dense'`: the full O(C³) decomposition; `'range'`: {@link rangeEigen}, the eigenpairs of
   * the numerical range only (a logit covariance has rank ≤ head width + 1); `'auto'` (default):
   * dense up to C = 2000, range above.
   */
  eigensolver?: 'dense' | 'range' | 'auto';
  /** With the range solver: the expected rank (e.g. head width + 1; default 512). */
  rankHint?: number;
}

/** How many categories have a value at most `threshold` (relative errors, in {@link Diagnostics}). */
export interface ThresholdCount {
  /** The threshold. */
  threshold: number;
  /** Categories whose value is ≤ `threshold`. */
  count: number;
}

/** The result of {@link dependencyDiagnostics}. */
export interface Diagnostics {
  /** Number of categories C. */
  categories: number;
  /** Eigenvalues of S, descending (with the range solver: those of its numerical range, plus a few at the rounding floor). */
  spectrum: number[];
  /** Which eigensolver ran. */
  eigensolver: 'dense' | 'range';
  /** Numerical rank of S. */
  rank: number;
  /** λ_max(t) = max_{j≠t} |S_jt| per category. */
  lambdaMax: number[];
  /** Best relative error of each category from all others (unpenalised least squares), when computed. */
  bestRelativeError?: number[];
  /** Per threshold: categories whose best relative error is ≤ it (when computed). */
  bestBelow?: ThresholdCount[];
  /** The lasso at `lambdaRatio`: relative errors, sources per category, counts and histogram. */
  lasso: {
    /** λ / λ_max the lasso was solved at. */
    lambdaRatio: number;
    /** Relative error of each category. */
    relativeError: number[];
    /** Number of sources of each category. */
    nnz: number[];
    /** Per threshold: categories whose relative error is ≤ it. */
    below: ThresholdCount[];
    /** histogram[k] = categories with exactly k sources. */
    sparsityHistogram: number[];
  };
}

/** Above this many categories `eigensolver: 'auto'` uses the range solver. */
const DENSE_EIGEN_LIMIT = 2000;

const counts = (values: number[], thresholds: number[]): ThresholdCount[] =>
  thresholds.map((threshold) => ({ threshold, count: values.filter((v) => v <= threshold).length }));

/**
 * Diagnostics of a covariance S (C×C). For the best relative errors: min over θ with θ_t = 1 of
 * θᵀSθ / S_tt, from the eigen-decomposition and the pseudo-inverse (see
 * {@link bestResidualVariances}); 0 for a category in the span of the others.
 * @example
 * const d = await dependencyDiagnostics(await covariance(F, { center: true }));
 * d.rank; d.bestBelow; d.lasso.sparsityHistogram;
 */
export async function dependencyDiagnostics(S: MatrixLike, options: DiagnosticsOptions = {}): Promise<Diagnostics> {
  const cov = asCovariance(S);
  const C = cov.rows;
  const thresholds = options.thresholds ?? [0.01, 0.05, 0.1];
  const lambdaRatio = options.lambdaRatio ?? 0.1;
  const wantBest = options.bestError ?? true;
  const method = options.eigensolver ?? 'auto';
  if (!['dense', 'range', 'auto'].includes(method)) throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `eigensolver must be 'dense', 'range' or 'auto', got ${String(method)}`);
  const useRange = method === 'range' || (method === 'auto' && C > DENSE_EIGEN_LIMIT);
  // Progress: the eigen-decomposition is the first half, the lasso the second.
  const progress = options.onProgress;
  const eigOptions = { threads: options.threads, signal: options.signal, onProgress: progress && ((f: number) => progress(0.5 * f)) };
  const eig: SymmetricEigen = useRange
    ? await rangeEigen(cov, { ...eigOptions, initialRank: options.rankHint, rankTolerance: options.rankTolerance })
    : await symmetricEigenAsync(cov.data, C, wantBest, eigOptions);
  const spectrum = Array.from(eig.values).reverse();
  // λ_max(t) = max_{j≠t} |S_jt|, taken row by row (the column walk missed the cache on every
  // entry: tens of seconds at C = 20000).
  const largest = new Float64Array(C);
  for (let j = 0; j < C; j++) {
    const row = cov.data.subarray(j * C, (j + 1) * C);
    for (let t = 0; t < C; t++) {
      const v = Math.abs(row[t]);
      if (t !== j && v > largest[t]) largest[t] = v;
    }
  }
  const lambdaMax = Array.from(largest);
  const out: Diagnostics = {
    categories: C,
    spectrum,
    eigensolver: useRange ? 'range' : 'dense',
    rank: numericalRank(eig.values, options.rankTolerance ?? C * 2 ** -52),
    lambdaMax,
    lasso: { lambdaRatio, relativeError: [], nnz: [], below: [], sparsityHistogram: [] },
  };
  if (wantBest) {
    const r2 = bestResidualVariances(eig, options.pinvTolerance);
    const variances = diagonal(cov);
    out.bestRelativeError = Array.from(r2, (v, t) => {
      const d = variances[t];
      return d > 0 ? Math.max(0, v) / d : 0;
    });
    out.bestBelow = counts(out.bestRelativeError, thresholds);
  }
  const res = await covLasso(cov, { lambdaRatio, threads: options.threads, signal: options.signal, onProgress: progress && ((f) => progress(0.5 + 0.5 * f)) });
  const nnz = Array.from({ length: C }, (_, k) => res.coef.indptr[k + 1] - res.coef.indptr[k]);
  const hist = new Array<number>(Math.max(0, ...nnz) + 1).fill(0);
  for (const v of nnz) hist[v]++;
  out.lasso = { lambdaRatio, relativeError: Array.from(res.relativeError), nnz, below: counts(Array.from(res.relativeError), thresholds), sparsityHistogram: hist };
  return out;
}

/** Options of {@link dependencyScaling}. */
export interface ScalingOptions extends DiagnosticsOptions {
  /** Numbers of categories to subsample (default [100, 200, 500, 1000], capped at C). */
  sizes?: number[];
  /** Rows `[begin, end)` to use (default all). */
  rows?: [number, number];
  /** Center the covariance (default true: the rank statement is about the centered covariance). */
  center?: boolean;
  /** Seed of the category subsets (default 1). */
  seed?: number;
}

/** One size of {@link dependencyScaling}. */
export interface ScalingRow {
  /** Number of categories k of this subset. */
  size: number;
  /** The subsampled categories (sorted). */
  categories: number[];
  /** Numerical rank of the subset's covariance. */
  rank: number;
  /** Mean and median number of sources at `lambdaRatio`. */
  meanNnz: number;
  /** Median number of sources. */
  medianNnz: number;
  /** Mean lasso relative error. */
  meanRelativeError: number;
  /** Lasso: categories with relative error ≤ each threshold. */
  below: ThresholdCount[];
  /** Best achievable (unpenalised) counts, when `bestError`. */
  bestBelow?: ThresholdCount[];
}

/**
 * How rank, sparsity and dependency strength change with the number of categories: for each
 * size k, a seeded random subset of k categories, its covariance (a submatrix of the full one:
 * moments do not depend on the other columns), then {@link dependencyDiagnostics}.
 * `bestError` defaults to false here (it is O(k³) per size).
 */
export async function dependencyScaling(logits: MatrixLike, options: ScalingOptions = {}): Promise<ScalingRow[]> {
  let X = asMatrix(logits, 'logits');
  if (options.rows) X = X.sliceRows(options.rows[0], options.rows[1]);
  const C = X.cols;
  const sizes = (options.sizes ?? [100, 200, 500, 1000]).map((s) => Math.min(s, C));
  for (const s of sizes) if (!Number.isInteger(s) || s < 2) throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `sizes must be integers >= 2, got ${s}`);
  // A float64 copy: the rank is decided by eigenvalues ~1e-15 of the largest, so the covariance
  // is taken from float64 input whatever the logits' dtype.
  const X64 = toFloat64(X);
  const S = await covariance(X64, { center: options.center ?? true, threads: options.threads, signal: options.signal });
  const rng = mulberry32(options.seed ?? 1);
  const perm = Array.from({ length: C }, (_, i) => i);
  for (let i = C - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const rows: ScalingRow[] = [];
  for (const size of sizes) {
    const cats = perm.slice(0, size).sort((a, b) => a - b);
    const sub = new Float64Array(size * size);
    for (let a = 0; a < size; a++) for (let b = 0; b < size; b++) sub[a * size + b] = S.data[cats[a] * C + cats[b]];
    const d = await dependencyDiagnostics(new Matrix(size, size, sub), { ...options, bestError: options.bestError ?? false });
    const sorted = [...d.lasso.nnz].sort((a, b) => a - b);
    const row: ScalingRow = {
      size,
      categories: cats,
      rank: d.rank,
      meanNnz: d.lasso.nnz.reduce((a, b) => a + b, 0) / size,
      medianNnz: size % 2 ? sorted[(size - 1) / 2] : (sorted[size / 2 - 1] + sorted[size / 2]) / 2,
      meanRelativeError: d.lasso.relativeError.reduce((a, b) => a + b, 0) / size,
      below: d.lasso.below,
    };
    if (d.bestBelow) row.bestBelow = d.bestBelow;
    rows.push(row);
  }
  return rows;
}

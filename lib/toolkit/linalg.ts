/**
 * Eigen-decompositions of covariances, in native code on covlasso's thread pool: the dense
 * symmetric eigensolver (Householder + implicit QL, O(n³): up to a few thousand categories) and
 * the range eigensolver for large low-rank covariances (randomized subspace iteration with
 * Rayleigh–Ritz: a logit covariance has rank ≤ head width + 1, so C = 20000 needs a subspace of
 * ~600 columns, not a 20000³ decomposition). Plus the numerical rank and the pseudo-inverse
 * quantities built on either.
 * @module
 */
import { asCovariance } from '../lasso/options';
import { CovlassoRangeError } from '../runtime/errors';
import type { MatrixLike } from '../runtime/matrix';
import { loadNative } from '../runtime/native';
import { executionArgs, runAsync, RunOptions, runSync, SyncRunOptions } from '../runtime/run';
import { detachSafe } from '../runtime/typed';

/** Eigen-decomposition S = V diag(values) Vᵀ, complete (k = n) or of the range (k < n). */
export interface SymmetricEigen {
  /** Eigenvalues, ascending (k of them). */
  values: Float64Array;
  /** Eigenvectors as columns of an n×k row-major matrix (V[i*k + j] = component i of vector j); null when not requested. */
  vectors: Float64Array | null;
  /** Order of the matrix. */
  n: number;
  /** Eigenpairs held (n for {@link symmetricEigen}; the subspace size for {@link rangeEigen}). */
  k?: number;
}

function checkSquare(S: ArrayLike<number>, n: number): Float64Array {
  if (!Number.isInteger(n) || n < 1 || S === null || typeof S !== 'object' || S.length !== n * n) {
    throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `expected an ${n}×${n} matrix, got ${S?.length} values`);
  }
  return Float64Array.from(S);
}

/**
 * Eigenvalues (ascending) and optionally eigenvectors of a symmetric n×n matrix (row-major;
 * only read, never modified), in native code. O(n³): about 5 s for n = 1500 with vectors on
 * 2 cores; use {@link rangeEigen} for larger low-rank covariances.
 * @param vectors - also compute eigenvectors (default true)
 * @example
 * const { values } = symmetricEigen(S.data, S.rows, false);
 */
export function symmetricEigen(S: ArrayLike<number>, n: number, vectors = true, options: SyncRunOptions = {}): SymmetricEigen {
  const a = checkSquare(S, n);
  const { threads } = executionArgs(options);
  const { values } = runSync(() => loadNative().symmetricEigenSync({ a, n, vectors, threads }));
  return { values, vectors: vectors ? a : null, n, k: n };
}

/** Async twin of {@link symmetricEigen}, with signal and progress (internal: the diagnostics use it). */
export async function symmetricEigenAsync(S: ArrayLike<number>, n: number, vectors: boolean, options: RunOptions): Promise<SymmetricEigen> {
  const a = checkSquare(S, n);
  const { threads } = executionArgs(options);
  const { values } = await runAsync((args, c) => loadNative().symmetricEigen(args, c), { a, n, vectors, threads }, options);
  return { values, vectors: vectors ? a : null, n, k: n };
}

/** Options of {@link rangeEigen}. */
export interface RangeEigenOptions extends RunOptions {
  /** Expected rank (e.g. the head width + 1): the first subspace has initialRank + oversample columns (default 512). */
  initialRank?: number;
  /** Extra columns beyond initialRank (default 64). */
  oversample?: number;
  /** Largest subspace tried (default n: then the decomposition is complete). */
  maxRank?: number;
  /** Extra products S·Q per pass, for spectra that decay slowly (default 1). */
  powerIterations?: number;
  /** Relative eigenvalue threshold of the rank (default n·2⁻⁵², numpy's matrix_rank rule). */
  rankTolerance?: number;
  /** Seed of the random start (default 1; results are deterministic for a seed). */
  seed?: number;
}

/** The result of {@link rangeEigen}. */
export interface RangeEigen extends SymmetricEigen {
  k: number;
  /** Eigenvalues above rankTolerance · λ_max. */
  rank: number;
  /** The subspace holds the whole numerical range (k > rank, or k = n). */
  complete: boolean;
}

function rangeArgs(S: MatrixLike, options: RangeEigenOptions) {
  const cov = asCovariance(S);
  const int = (name: string, v: number | undefined, fallback: number, min: number): number => {
    const value = v ?? fallback;
    if (!Number.isSafeInteger(value) || value < min) throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `${name} must be an integer >= ${min}, got ${value}`);
    return value;
  };
  const rankTolerance = options.rankTolerance ?? 0;
  if (typeof rankTolerance !== 'number' || !(rankTolerance >= 0) || !(rankTolerance < 1)) {
    throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `rankTolerance must be in [0, 1), got ${rankTolerance}`);
  }
  return {
    s: cov.data as Float64Array,
    n: cov.rows,
    initialRank: int('initialRank', options.initialRank, 512, 1),
    oversample: int('oversample', options.oversample, 64, 0),
    maxRank: int('maxRank', options.maxRank, 0, 0),
    powerIterations: int('powerIterations', options.powerIterations, 1, 0),
    rankTolerance,
    seed: int('seed', options.seed, 1, 0),
    threads: executionArgs(options).threads,
  };
}

/**
 * The leading eigenpairs of a large symmetric positive semi-definite matrix of low rank (a logit
 * covariance): enough of them to hold its whole numerical range, found by randomized subspace
 * iteration on covlasso's thread pool (the subspace doubles until its smallest Ritz value falls
 * below the rank tolerance). Abortable, with progress.
 * @example
 * const eig = await rangeEigen(S, { initialRank: 513 });
 * eig.rank; eig.values; // the non-zero spectrum
 */
export async function rangeEigen(S: MatrixLike, options: RangeEigenOptions = {}): Promise<RangeEigen> {
  const args = rangeArgs(S, options);
  const r = await runAsync((a, c) => loadNative().rangeEigen(a, c), { ...args, s: await detachSafe(args.s, 'S.data') }, options);
  return { ...r, n: args.n };
}

/** Synchronous twin of {@link rangeEigen}. */
export function rangeEigenSync(S: MatrixLike, options: Omit<RangeEigenOptions, 'signal' | 'onProgress'> = {}): RangeEigen {
  const args = rangeArgs(S, options);
  return { ...runSync(() => loadNative().rangeEigenSync(args)), n: args.n };
}

/**
 * Numerical rank: eigenvalues above `rtol · max |λ|` (default rtol = n · 2⁻⁵², numpy's
 * `matrix_rank` rule for a symmetric positive semi-definite matrix).
 */
export function numericalRank(values: ArrayLike<number>, rtol?: number): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  const tol = (rtol ?? values.length * 2 ** -52) * max;
  let r = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > tol) r++;
  return r;
}

/**
 * For every category t, the smallest residual variance achievable by ANY linear combination of
 * the other categories (no penalty): min_{θ_t = 1} θᵀSθ. Computed from the eigen-decomposition
 * with the pseudo-inverse: θ = S⁺e_t / (S⁺)_tt over eigenvalues above `rtol·λ_max` (eigen-
 * directions below it count as exact dependencies, residual 0 for any t that touches them
 * by more than `nullWeight`). Returns residual variances (not divided by S_tt).
 */
export function bestResidualVariances(eig: SymmetricEigen, rtol = 1e-10, nullWeight = 1e-8): Float64Array {
  if (!eig.vectors) throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', 'bestResidualVariances needs eigenvectors');
  const { n, values, vectors: V } = eig;
  const k = eig.k ?? n;
  let max = 0;
  for (let j = 0; j < k; j++) max = Math.max(max, Math.abs(values[j]));
  const tol = rtol * max;
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    let inv = 0;
    let nul = 0;
    let held = 0;  // ‖V_t‖²: with a partial basis, 1 − held is e_t's weight outside it (the null space)
    for (let j = 0; j < k; j++) {
      const v = V[t * k + j];
      held += v * v;
      if (values[j] > tol) inv += (v * v) / values[j];
      else nul += v * v;
    }
    if (k < n) nul += Math.max(0, 1 - held);
    out[t] = nul > nullWeight ? 0 : inv > 0 ? 1 / inv : 0;
  }
  return out;
}

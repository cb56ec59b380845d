/**
 * Independent, deliberately slow reference implementations for the tests.
 *
 * Nothing here shares code with `lib/` or `native/`: these are plain float64 loops that
 * transcribe DESIGN.md section 2 literally, so that the fast paths can be checked
 * against them.
 *
 * Conventions (all matrices row-major):
 * - `G` (p x p) is the Gram / covariance the lasso sees, `s` (p) the target's cross
 *   moments `S[:, t]`, `d` the target's variance `S[t, t]`.
 * - `exclude` is a coordinate held at 0 (the target itself in the intra-model case);
 *   `-1` for none.
 * - The CovLasso objective is
 *   `P(beta) = 1/2 (d - 2 beta's + beta'G beta) + lambda |beta|_1`.
 *
 * @module
 */

/** Result of {@link referenceCovLasso}. */
export interface ReferenceLassoResult {
  /** Coefficients (length p); `beta[exclude] === 0`. */
  beta: Float64Array;
  /** `P(beta)` per {@link objectiveOf}. */
  objective: number;
  /** Duality gap per {@link dualityGap} at `beta`. */
  gap: number;
  /** Full cyclic sweeps performed. */
  sweeps: number;
  /** Whether `gap <= tol * d` was reached within `maxSweeps`. */
  converged: boolean;
}

/** Options of {@link referenceCovLasso}. */
export interface ReferenceLassoOptions {
  /** Maximum number of full cyclic sweeps (default 100000). */
  maxSweeps?: number;
  /** Stop once `gap <= tol * d` (default 1e-12). */
  tol?: number;
}

function checkInputs(G: Float64Array, p: number, s: Float64Array, beta?: Float64Array): void {
  if (!Number.isInteger(p) || p < 0) throw new RangeError(`p must be a non-negative integer, got ${p}`);
  if (G.length !== p * p) throw new RangeError(`G has length ${G.length}, expected p*p = ${p * p}`);
  if (s.length !== p) throw new RangeError(`s has length ${s.length}, expected p = ${p}`);
  if (beta !== undefined && beta.length !== p) {
    throw new RangeError(`beta has length ${beta.length}, expected p = ${p}`);
  }
}

/**
 * The CovLasso objective `1/2 (d - 2 beta's + beta'G beta) + lambda |beta|_1`, in float64,
 * computed literally (O(p^2)).
 *
 * @param G - Gram matrix, p x p row-major.
 * @param p - Number of coordinates.
 * @param s - Cross moments with the target (length p).
 * @param d - Target variance.
 * @param lambda - L1 penalty (>= 0).
 * @param beta - Coefficients (length p).
 */
export function objectiveOf(
  G: Float64Array,
  p: number,
  s: Float64Array,
  d: number,
  lambda: number,
  beta: Float64Array,
): number {
  checkInputs(G, p, s, beta);
  let bs = 0;
  let bGb = 0;
  let l1 = 0;
  for (let j = 0; j < p; j++) {
    bs += beta[j] * s[j];
    l1 += Math.abs(beta[j]);
    let gj = 0;
    for (let k = 0; k < p; k++) gj += G[j * p + k] * beta[k];
    bGb += beta[j] * gj;
  }
  return 0.5 * (d - 2 * bs + bGb) + lambda * l1;
}

/**
 * The duality-gap certificate of DESIGN.md section 2 (scikit-learn's Gram-form gap
 * divided by N), transcribed literally:
 *
 * - `r2 = d - 2 beta's + beta'G beta`
 * - `g = s - G beta` over the allowed coordinates (all but `exclude`)
 * - `nu = max_j |g_j|`, `c = lambda / nu` if `nu > lambda`, else `1`
 * - `gap = 1/2 r2 (1 + c^2) + lambda |beta|_1 - c (d - beta's)`
 *
 * Non-negative (weak duality) whenever `[[G, s], [s', d]]` is positive semi-definite,
 * up to rounding.
 *
 * @param G - Gram matrix, p x p row-major.
 * @param p - Number of coordinates.
 * @param s - Cross moments with the target (length p).
 * @param d - Target variance.
 * @param lambda - L1 penalty (>= 0).
 * @param beta - Coefficients (length p).
 * @param exclude - Coordinate held at zero and left out of `nu`, or -1 for none.
 */
export function dualityGap(
  G: Float64Array,
  p: number,
  s: Float64Array,
  d: number,
  lambda: number,
  beta: Float64Array,
  exclude: number,
): number {
  checkInputs(G, p, s, beta);
  let bs = 0;
  let bGb = 0;
  let l1 = 0;
  let nu = 0;
  for (let j = 0; j < p; j++) {
    let gb = 0;
    for (let k = 0; k < p; k++) gb += G[j * p + k] * beta[k];
    bs += beta[j] * s[j];
    bGb += beta[j] * gb;
    l1 += Math.abs(beta[j]);
    if (j !== exclude) nu = Math.max(nu, Math.abs(s[j] - gb));
  }
  const r2 = d - 2 * bs + bGb;
  const c = nu > lambda ? lambda / nu : 1;
  return 0.5 * r2 * (1 + c * c) + lambda * l1 - c * (d - bs);
}

/**
 * `lambda_max = max_{j != exclude} |s_j|`: for `lambda >= lambda_max` the solution is 0.
 */
export function lambdaMaxOf(s: Float64Array, exclude: number): number {
  let m = 0;
  for (let j = 0; j < s.length; j++) if (j !== exclude) m = Math.max(m, Math.abs(s[j]));
  return m;
}

/**
 * Plain cyclic coordinate descent for one CovLasso problem, over ALL coordinates every
 * sweep (no active sets, no screening, no incremental residuals: each partial residual
 * `s_j - sum_{k != j} G_jk beta_k` is recomputed from scratch), stopping when the
 * duality gap ({@link dualityGap}) is `<= tol * d` or after `maxSweeps` sweeps.
 *
 * Coordinate update: `beta_j = soft(s_j - sum_{k != j} G_jk beta_k, lambda) / G_jj`,
 * with `beta_j = 0` when `G_jj <= 0` or `j === exclude`.
 *
 * Slow on purpose (O(p^2) per sweep plus an O(p^2) gap per sweep): for tests only.
 *
 * @param S - Gram matrix G, p x p row-major (for the intra-model case, the covariance).
 * @param p - Number of coordinates.
 * @param s - Cross moments with the target (length p).
 * @param d - Target variance.
 * @param lambda - L1 penalty (>= 0).
 * @param exclude - Coordinate held at 0, or -1 for none.
 * @param opts - `maxSweeps` (default 100000), `tol` (default 1e-12).
 */
export function referenceCovLasso(
  S: Float64Array,
  p: number,
  s: Float64Array,
  d: number,
  lambda: number,
  exclude: number,
  opts: ReferenceLassoOptions = {},
): ReferenceLassoResult {
  checkInputs(S, p, s);
  if (!(lambda >= 0)) throw new RangeError(`lambda must be >= 0, got ${lambda}`);
  const maxSweeps = opts.maxSweeps ?? 100000;
  const tol = opts.tol ?? 1e-12;
  const beta = new Float64Array(p);
  let gap = dualityGap(S, p, s, d, lambda, beta, exclude);
  let sweeps = 0;
  while (gap > tol * d && sweeps < maxSweeps) {
    for (let j = 0; j < p; j++) {
      if (j === exclude) continue;
      const gjj = S[j * p + j];
      if (!(gjj > 0)) {
        beta[j] = 0;
        continue;
      }
      let z = s[j];
      for (let k = 0; k < p; k++) if (k !== j) z -= S[j * p + k] * beta[k];
      const a = Math.abs(z) - lambda;
      beta[j] = a > 0 ? (Math.sign(z) * a) / gjj : 0;
    }
    sweeps++;
    gap = dualityGap(S, p, s, d, lambda, beta, exclude);
  }
  return {
    beta,
    objective: objectiveOf(S, p, s, d, lambda, beta),
    gap,
    sweeps,
    converged: gap <= tol * d,
  };
}

/**
 * Intra-model problem `t` of a covariance `S` (C x C): `G = S`, `s = S[:, t]`,
 * `d = S[t, t]`, exclude `t`.
 */
export function targetProblem(S: Float64Array, c: number, t: number): { s: Float64Array; d: number } {
  const s = new Float64Array(c);
  for (let j = 0; j < c; j++) s[j] = S[j * c + t];
  return { s, d: S[t * c + t] };
}

export { mulberry32, gaussian } from '../../lib/random';
import { gaussian } from '../../lib/random';

/** Options of {@link randomLogits}. */
export interface RandomLogitsOptions {
  /**
   * Width of the linear head: logits = features (n x rank) * W (rank x c) + bias.
   * `rank < c` gives a singular covariance (centered rank <= rank, second moment
   * rank <= rank + 1). Default `c`.
   */
  rank?: number;
  /** Constant added to every logit (to stress centering). Default 0. */
  offset?: number;
  /** Return a Float32Array (values rounded to float32). Default false. */
  float32?: boolean;
}

/**
 * Deterministic synthetic logits, n x c row-major: `features(n x rank) * W(rank x c)
 * + bias + offset`, features and W standard normal (W scaled by 1/sqrt(rank)), bias
 * normal with standard deviation 0.1: i.e. what a width-`rank` linear head produces.
 */
export function randomLogits(n: number, c: number, seed: number, opts: RandomLogitsOptions & { float32: true }): Float32Array;
export function randomLogits(n: number, c: number, seed: number, opts?: RandomLogitsOptions & { float32?: false }): Float64Array;
export function randomLogits(n: number, c: number, seed: number, opts?: RandomLogitsOptions): Float32Array | Float64Array;
export function randomLogits(
  n: number,
  c: number,
  seed: number,
  opts: RandomLogitsOptions = {},
): Float32Array | Float64Array {
  const rank = opts.rank ?? c;
  const offset = opts.offset ?? 0;
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(c) || c < 0) {
    throw new RangeError(`bad shape ${n} x ${c}`);
  }
  if (!Number.isInteger(rank) || rank < 1) throw new RangeError(`rank must be a positive integer, got ${rank}`);
  const g = gaussian(seed);
  const H = new Float64Array(n * rank);
  for (let i = 0; i < H.length; i++) H[i] = g();
  const W = new Float64Array(rank * c);
  const scale = 1 / Math.sqrt(rank);
  for (let i = 0; i < W.length; i++) W[i] = g() * scale;
  const bias = new Float64Array(c);
  for (let j = 0; j < c; j++) bias[j] = 0.1 * g();
  const out = opts.float32 ? new Float32Array(n * c) : new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      let v = bias[j] + offset;
      for (let k = 0; k < rank; k++) v += H[i * rank + k] * W[k * c + j];
      out[i * c + j] = v;
    }
  }
  return out;
}

/** Naive float64 second moment `S = F'F / n` (c x c row-major) of row-major F (n x c). */
export function secondMoment(F: Float32Array | Float64Array, n: number, c: number): Float64Array {
  if (F.length !== n * c) throw new RangeError(`F has length ${F.length}, expected ${n * c}`);
  const S = new Float64Array(c * c);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < c; a++) {
      const fa = F[i * c + a];
      for (let b = 0; b < c; b++) S[a * c + b] += fa * F[i * c + b];
    }
  }
  for (let k = 0; k < S.length; k++) S[k] /= n;
  return S;
}

/**
 * Naive float64 centered covariance `(F - 1 mu')'(F - 1 mu') / (n - ddof)` (two passes:
 * means first, then centered products).
 */
export function centeredCovariance(
  F: Float32Array | Float64Array,
  n: number,
  c: number,
  ddof = 0,
): Float64Array {
  if (F.length !== n * c) throw new RangeError(`F has length ${F.length}, expected ${n * c}`);
  if (!(n - ddof > 0)) throw new RangeError(`n - ddof must be > 0 (n=${n}, ddof=${ddof})`);
  const mu = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) mu[j] += F[i * c + j];
  for (let j = 0; j < c; j++) mu[j] /= n;
  const S = new Float64Array(c * c);
  const row = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) row[j] = F[i * c + j] - mu[j];
    for (let a = 0; a < c; a++) {
      const ra = row[a];
      for (let b = 0; b < c; b++) S[a * c + b] += ra * row[b];
    }
  }
  for (let k = 0; k < S.length; k++) S[k] /= n - ddof;
  return S;
}

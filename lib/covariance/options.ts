/**
 * The `{ center, ddof }` options shared by every covariance entry point (internal module; the
 * public types are re-exported from `covariance`).
 * @module
 */
import { CovlassoRangeError, CovlassoTypeError } from '../runtime/errors';

/** How to normalise the accumulated products. */
export interface MomentOptions {
  /**
   * false (default): second moment `XᵀX / N`, i.e. E[x xᵀ].
   * true: centered covariance `(X − 1μᵀ)ᵀ(X − 1μᵀ) / (N − ddof)`.
   */
  center?: boolean;
  /** Delta degrees of freedom for the centered divisor (default 0, like numpy's `np.cov(bias=True)`). */
  ddof?: number;
}

/** Validates and defaults {@link MomentOptions} (internal). */
export function checkMomentOptions(options: MomentOptions): { center: boolean; ddof: number } {
  const center = options.center ?? false;
  const ddof = options.ddof ?? 0;
  if (typeof center !== 'boolean') {
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'center must be a boolean');
  }
  if (typeof ddof !== 'number' || !Number.isFinite(ddof) || ddof < 0) {
    throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `ddof must be a finite number >= 0, got ${ddof}`);
  }
  return { center, ddof };
}

/** Precision of the products for float32 input (float64 input always uses float64). */
export interface ProductOptions {
  /**
   * `'float32'` (default): float32 products over runs of 64 rows, summed into float64: about
   * twice as fast, error ≤ 1e-6 of max|S| (typically ~1e-8). `'float64'`: every product in
   * float64 (error ~1e-15), for results that must match a float64 reference to the last digits.
   * Sums are float64 either way. An update whose values leave float32's safe range (some
   * nonzero |x| < 2⁻³⁶ ≈ 1.5e-11 or ≥ 2⁵⁸ ≈ 2.9e17: squares that underflow, sums that overflow)
   * takes float64 products whatever this says.
   */
  productPrecision?: 'float32' | 'float64';
}

/** The native `products` argument for a {@link ProductOptions} value (internal). */
export function checkProductPrecision(value: unknown): 'auto' | 'float64' {
  if (value === undefined || value === 'float32') return 'auto';
  if (value === 'float64') return 'float64';
  throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `productPrecision must be 'float32' or 'float64', got ${String(value)}`);
}

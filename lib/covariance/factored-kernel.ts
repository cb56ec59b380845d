/**
 * The d-side of a factored covariance (internal): from the features' moments (an accumulator of
 * the features h, or their raw second moment E[hhᵀ], mean and count) the r×r kernel K with
 * S = Ã K Ãᵀ, Ã = [W | b]: K = [[E[hhᵀ], μ], [μᵀ, 1]] for the second moment with a bias
 * (E[hhᵀ] without one), K = Σ_c (the centered feature covariance, /(N − ddof)) when centered,
 * where the bias drops out.
 * @module
 */
import { CovarianceAccumulator } from './accumulator';
import { CovlassoRangeError, CovlassoTypeError, NotFiniteError } from '../runtime/errors';
import { asMatrix, MatrixLike } from '../runtime/matrix';

/** The features' moments given directly. */
export interface FeatureMoments {
  /** Raw second moment E[h hᵀ] (d×d, symmetric), not centered. */
  moment: MatrixLike;
  /** Mean μ_h (d values). */
  mean: ArrayLike<number>;
  /** Samples N behind them. */
  count: number;
}

/** Throws NotFiniteError at the first NaN/Inf of `data`, naming it in `what` (row-major, `cols` wide). */
export function checkFinite(data: ArrayLike<number>, cols: number, what: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new NotFiniteError(`${what} has ${data[i]} at row ${Math.floor(i / cols)}, column ${i % cols}: a head or feature moments must be finite`);
    }
  }
}

function momentsOf(features: CovarianceAccumulator | FeatureMoments, d: number, center: boolean, ddof: number): { m: Float64Array; mean: Float64Array; count: number } {
  if (features instanceof CovarianceAccumulator) {
    if (features.isCross || features.cols !== d) {
      throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `features: need a covariance accumulator of ${d} columns (the head's width), got ${features.cols}`);
    }
    return { m: features.result({ center, ddof }).data as Float64Array, mean: features.means(), count: features.count };
  }
  if (features === null || typeof features !== 'object') throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'features must be a CovarianceAccumulator or { moment, mean, count }');
  const moment = asMatrix(features.moment, 'features.moment');
  if (moment.rows !== d || moment.cols !== d || features.mean?.length !== d) {
    throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `features: moment must be ${d}×${d} and mean ${d} values (the head's width)`);
  }
  const { count } = features;
  if (!Number.isSafeInteger(count) || count < 1) throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `features.count must be a positive integer, got ${count}`);
  const mean = Float64Array.from(features.mean);
  checkFinite(moment.data, d, 'features.moment');
  checkFinite(mean, d, 'features.mean');
  const m = Float64Array.from(moment.data);
  if (center) {
    if (!(count - ddof > 0)) throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `ddof ${ddof} needs more than ${ddof} samples, got ${count}`);
    const scale = count / (count - ddof);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m[i * d + j] = (m[i * d + j] - mean[i] * mean[j]) * scale;
  }
  return { m, mean, count };
}

/** K (r×r), the sample count and the features' mean μ_h for a head of width d. */
export function featureKernel(features: CovarianceAccumulator | FeatureMoments, d: number, withBias: boolean, center: boolean, ddof: number): { kernel: Float64Array; count: number; mean: Float64Array } {
  const { m, mean, count } = momentsOf(features, d, center, ddof);
  if (center || !withBias) return { kernel: m, count, mean };
  const r = d + 1;
  const kernel = new Float64Array(r * r);
  for (let i = 0; i < d; i++) {
    kernel.set(m.subarray(i * d, (i + 1) * d), i * r);
    kernel[i * r + d] = mean[i];
    kernel[d * r + i] = mean[i];
  }
  kernel[d * r + d] = 1;
  return { kernel, count, mean };
}

/**
 * First and second moments of single columns in float64 (O(N·C) loops): the means behind
 * intercepts and the variances d_t of cross-model problems. The moment matrices come from
 * {@link covariance}/{@link crossMoments}.
 * @module
 */
import { Matrix } from '../runtime/matrix';

/**
 * Per-column second moments `mean_n x_nc²`, or with `center` the variances `mean_n (x_nc − μ_c)²`
 * (ddof 0, matching {@link covariance}'s defaults), accumulated in float64.
 */
export function columnVariances(X: Matrix, center: boolean, means?: Float64Array): Float64Array {
  const C = X.cols;
  const mu = center ? (means ?? columnMeansOf(X)) : new Float64Array(C);
  const out = new Float64Array(C);
  const d = X.data;
  for (let r = 0; r < X.rows; r++) {
    const base = r * C;
    for (let c = 0; c < C; c++) {
      const v = d[base + c] - mu[c];
      out[c] += v * v;
    }
  }
  for (let c = 0; c < C; c++) out[c] /= X.rows;
  return out;
}

/** Column means in float64. */
export function columnMeansOf(X: Matrix): Float64Array {
  const C = X.cols;
  const out = new Float64Array(C);
  const d = X.data;
  for (let r = 0; r < X.rows; r++) {
    const base = r * C;
    for (let c = 0; c < C; c++) out[c] += d[base + c];
  }
  for (let c = 0; c < C; c++) out[c] /= X.rows;
  return out;
}


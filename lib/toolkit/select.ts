/**
 * Row and column subsets of logits, and class labels, for the toolkit (copies; O(N·k)).
 * @module
 */
import { CovlassoRangeError } from '../runtime/errors';
import { Matrix } from '../runtime/matrix';

/** The columns `cols` of X as a new matrix (same dtype; copies). */
export function selectColumns(X: Matrix, cols: ArrayLike<number>): Matrix {
  const k = cols.length;
  const out = X.data instanceof Float32Array ? new Float32Array(X.rows * k) : new Float64Array(X.rows * k);
  for (let j = 0; j < k; j++) {
    if (!Number.isInteger(cols[j]) || cols[j] < 0 || cols[j] >= X.cols) {
      throw new CovlassoRangeError('ERR_COVLASSO_TARGET_OUT_OF_RANGE', `column ${cols[j]} is outside 0..${X.cols - 1}`);
    }
  }
  for (let r = 0; r < X.rows; r++) {
    const src = r * X.cols;
    const dst = r * k;
    for (let j = 0; j < k; j++) out[dst + j] = X.data[src + cols[j]];
  }
  return new Matrix(X.rows, k, out);
}

/** The rows `rows` of X as a new matrix (same dtype; copies). */
export function selectRows(X: Matrix, rows: ArrayLike<number>): Matrix {
  const C = X.cols;
  const out = X.data instanceof Float32Array ? new Float32Array(rows.length * C) : new Float64Array(rows.length * C);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!Number.isInteger(r) || r < 0 || r >= X.rows) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `row ${r} is outside 0..${X.rows - 1}`);
    out.set(X.data.subarray(r * C, (r + 1) * C), i * C);
  }
  return new Matrix(rows.length, C, out);
}

/**
 * Class labels as an Int32Array: accepts Int32Array, BigInt64Array (int64 .npy), or numbers.
 * @throws CovlassoRangeError when a label is not an integer in 0..classes−1 (when `classes` given) or the length is wrong
 */
export function toLabels(labels: ArrayLike<number> | BigInt64Array, rows: number, classes?: number): Int32Array {
  if (labels.length !== rows) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${labels.length} labels for ${rows} rows`);
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = Number(labels[i]);
    if (!Number.isInteger(v) || v < 0 || (classes !== undefined && v >= classes)) {
      throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `label ${String(labels[i])} at row ${i} is not a class in 0..${(classes ?? Infinity) - 1}`);
    }
    out[i] = v;
  }
  return out;
}

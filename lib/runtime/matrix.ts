/**
 * Dense row-major matrices over typed arrays, constructed without copying.
 * @module
 */
import { CovlassoRangeError, CovlassoTypeError } from './errors';
import { widen16 } from './half';
import { allocate, detachedError, detachSafe, isTypedArray } from './typed';
import type { NativeMatrix } from './native-types';

/** Element type of a {@link Matrix}. */
export type Dtype = 'float32' | 'float64';

/** Storage of a {@link Matrix}: row-major, `rows * cols` elements. */
export type MatrixData = Float32Array | Float64Array;

/** Anything with the shape of a matrix: a {@link Matrix} or a plain `{ rows, cols, data }`. */
export interface MatrixLike {
  /** Number of rows. */
  readonly rows: number;
  /** Number of columns. */
  readonly cols: number;
  /** Row-major elements, `rows * cols` of them. */
  readonly data: MatrixData;
}

/**
 * A dense row-major matrix. `data` is used as it is (zero-copy): element (r, c) is
 * `data[r * cols + c]`. Rows are samples and columns categories for logits.
 *
 * @example
 * const logits = new Matrix(2, 3, new Float32Array([1, 2, 3, 4, 5, 6]));
 * logits.get(1, 2); // 6
 */
export class Matrix implements MatrixLike {
  /** Number of rows. */
  readonly rows: number;
  /** Number of columns. */
  readonly cols: number;
  /** Row-major elements. */
  readonly data: MatrixData;

  /**
   * @param rows - number of rows (non-negative integer)
   * @param cols - number of columns (non-negative integer)
   * @param data - row-major `Float32Array` or `Float64Array` of exactly `rows * cols` elements
   * @throws CovlassoTypeError (`ERR_COVLASSO_INVALID_DTYPE`) for any other kind of array
   * @throws CovlassoRangeError (`ERR_COVLASSO_SHAPE_MISMATCH`) when the sizes disagree
   */
  constructor(rows: number, cols: number, data: MatrixData) {
    if (!Number.isSafeInteger(rows) || rows < 0 || !Number.isSafeInteger(cols) || cols < 0) {
      throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `matrix shape must be non-negative integers, got ${rows}x${cols}`);
    }
    if (!isTypedArray(data, 'Float32Array') && !isTypedArray(data, 'Float64Array')) {
      throw new CovlassoTypeError('ERR_COVLASSO_INVALID_DTYPE', `matrix data must be a Float32Array or Float64Array, got ${describe(data)}`);
    }
    if (data.length !== rows * cols) {
      throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `matrix data has ${data.length} elements, ${rows}x${cols} needs ${rows * cols}`);
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data;
  }

  /** `'float32'` or `'float64'`. */
  get dtype(): Dtype {
    return isTypedArray(this.data, 'Float32Array') ? 'float32' : 'float64';
  }

  /** `[rows, cols]`. */
  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  /** Element (r, c). */
  get(r: number, c: number): number {
    return this.data[r * this.cols + c];
  }

  /** Row r as a view (no copy). */
  row(r: number): MatrixData {
    return this.data.subarray(r * this.cols, (r + 1) * this.cols);
  }

  /** Rows [begin, end) as a matrix sharing this one's memory. */
  sliceRows(begin: number, end: number): Matrix {
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end > this.rows || begin > end) {
      throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `row range ${begin}:${end} is outside 0:${this.rows}`);
    }
    return new Matrix(end - begin, this.cols, this.data.subarray(begin * this.cols, end * this.cols));
  }

  /**
   * This matrix in `dtype`: itself when it already is, else a copy (float64 → float32 rounds to
   * nearest). A float32 covariance is how to keep S at half the memory for the solvers: they read
   * it as it is, compute in float64, and give bitwise the results of its float64 widening.
   * @example
   * const S32 = (await covariance(logits)).astype('float32');  // 1.6 GB instead of 3.2 at C = 20000
   * const r = await covLasso(S32, { lambdaRatio: 0.1 });
   */
  astype(dtype: Dtype): Matrix {
    if (dtype !== 'float32' && dtype !== 'float64') {
      throw new CovlassoTypeError('ERR_COVLASSO_INVALID_DTYPE', `dtype must be 'float32' or 'float64', got ${String(dtype)}`);
    }
    if (dtype === this.dtype) return this;
    const what = `a ${dtype} copy of a ${this.rows}×${this.cols} matrix`;
    const out: MatrixData = dtype === 'float32' ? allocate(Float32Array, this.data.length, what) : allocate(Float64Array, this.data.length, what);
    out.set(this.data);
    return new Matrix(this.rows, this.cols, out);
  }

  /** Builds a float64 matrix from nested arrays (copies). */
  static fromRows(rows: ArrayLike<ArrayLike<number>>): Matrix {
    const r = rows.length;
    const c = r === 0 ? 0 : rows[0].length;
    const data = allocate(Float64Array, r * c, `a ${r}×${c} matrix`);
    for (let i = 0; i < r; i++) {
      if (rows[i].length !== c) {
        throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `row ${i} has ${rows[i].length} elements, expected ${c}`);
      }
      for (let j = 0; j < c; j++) data[i * c + j] = rows[i][j];
    }
    return new Matrix(r, c, data);
  }

  /** Nested arrays (copies), for printing and JSON. */
  toRows(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.row(i)));
    return out;
  }
}

/**
 * A 2-d tensor of another library, as {@link asMatrix} reads it: its dimensions as `dims`
 * (onnxruntime-node's `Tensor`) or `shape` (tfjs, ndarray-like objects), and its row-major
 * elements as `data` (a `Float32Array` or `Float64Array`; onnxruntime's `float16` tensors, a
 * `Uint16Array` with `type: 'float16'`, are widened) or from `dataSync()` (a tfjs `Tensor`).
 */
export interface TensorLike {
  /** Dimensions `[rows, cols]` (onnxruntime-node). */
  readonly dims?: readonly number[];
  /** Dimensions `[rows, cols]` (tfjs and others), when there is no `dims`. */
  readonly shape?: readonly number[];
  /** Row-major elements; for a tfjs `Tensor`, whose `data` is a method, `dataSync()` is used. */
  readonly data?: unknown;
  /** tfjs: the elements, synchronously. */
  dataSync?(): unknown;
  /** onnxruntime-node's element type (`'float32'`, `'float64'`, `'float16'`, …). */
  readonly type?: string;
}

/** What {@link asMatrix} accepts: a {@link Matrix}, a `{ rows, cols, data }`, or a 2-d {@link TensorLike}. */
export type MatrixInput = Matrix | MatrixLike | TensorLike;

/**
 * Checks a user-supplied matrix and returns it as a {@link Matrix}, sharing its memory whenever
 * the elements are float32 or float64 (no copy): a {@link Matrix} is returned as it is, a
 * `{ rows, cols, data }` or a 2-d tensor (`{ dims | shape, data }`, onnxruntime-node's `Tensor`,
 * a tfjs `Tensor` through `dataSync()`) becomes a Matrix over the same typed array. A float16
 * onnxruntime tensor (`type: 'float16'`, `Uint16Array` data) is widened into a new Float32Array.
 *
 * @param value - the matrix or tensor
 * @param name - how the argument is called in error messages
 * @returns a Matrix over `value`'s memory (or the widened copy of float16 data)
 * @throws CovlassoTypeError (`ERR_COVLASSO_INVALID_DTYPE`) for anything else, or elements of
 *   another type (int, string, …)
 * @throws CovlassoRangeError (`ERR_COVLASSO_SHAPE_MISMATCH`) when a tensor is not 2-d or its
 *   dimensions and element count disagree
 * @example
 * const out = await session.run(feeds);          // onnxruntime-node
 * const S = covarianceSync(asMatrix(out.logits)); // no copy of the logits
 */
export function asMatrix(value: MatrixInput, name = 'matrix'): Matrix {
  if (value instanceof Matrix) return value;
  if (value !== null && typeof value === 'object' && 'rows' in value && 'cols' in value && 'data' in value) {
    const m = value as MatrixLike;
    return withName(name, () => new Matrix(m.rows, m.cols, m.data));
  }
  if (value !== null && typeof value === 'object' && ('dims' in value || 'shape' in value)) {
    return withName(name, () => tensorMatrix(value as TensorLike));
  }
  throw new CovlassoTypeError('ERR_COVLASSO_INVALID_DTYPE', `${name} must be a Matrix, { rows, cols, data } or a 2-d tensor { dims | shape, data }, got ${describe(value)}`);
}

function withName(name: string, make: () => Matrix): Matrix {
  try {
    return make();
  } catch (error) {
    (error as Error).message = `${name}: ${(error as Error).message}`;
    throw error;
  }
}

/** A Matrix over a 2-d tensor's elements. */
function tensorMatrix(t: TensorLike): Matrix {
  const dims = t.dims ?? t.shape;
  if (!Array.isArray(dims) || dims.length !== 2 || !dims.every((d) => Number.isSafeInteger(Number(d)) && Number(d) >= 0)) {
    const shown = Array.isArray(dims) ? `[${dims.join(', ')}]` : describe(dims);
    throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `a tensor must be 2-d (rows × cols) to be a matrix, got dimensions ${shown}`);
  }
  const [rows, cols] = dims.map(Number);
  // A tfjs Tensor's `data` is an async method: its elements come from dataSync().
  let data: unknown = typeof t.dataSync === 'function' ? t.dataSync() : t.data;
  if (typeof data === 'function') {
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_DTYPE', 'the tensor\'s data is a method and it has no dataSync(); pass { shape, data: await tensor.data() }');
  }
  if (isTypedArray(data, 'Uint16Array') && (t.type === 'float16' || t.type === 'bfloat16')) {
    data = widen16(t.type, data as Uint16Array);
  }
  if (!isTypedArray(data, 'Float32Array') && !isTypedArray(data, 'Float64Array')) {
    const type = t.type ? ` (type ${JSON.stringify(t.type)})` : '';
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_DTYPE', `a tensor's data must be a Float32Array or Float64Array${type}, got ${describe(data)}`);
  }
  return new Matrix(rows, cols, data as MatrixData);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}

/** The `{ rows, cols, data }` the addon reads (internal; see native-types.ts). */
export function nativeMatrix(m: Matrix): NativeMatrix {
  return { rows: m.rows, cols: m.cols, data: m.data };
}

/** The `{ rows, cols, data }` an async call reads: over a private copy of the data ({@link detachSafe}). */
export async function nativeMatrixForAsync(m: MatrixLike, what: string): Promise<NativeMatrix> {
  if (m.data.length !== m.rows * m.cols) {
    throw detachedError(what);
  }
  return { rows: m.rows, cols: m.cols, data: await detachSafe(m.data, what) };
}

/** The diagonal of a square matrix (float64 copy): the one place covlasso takes it. */
export function diagonal(S: MatrixLike): Float64Array {
  const n = Math.min(S.rows, S.cols);
  const out = allocate(Float64Array, n, 'the diagonal');
  for (let i = 0; i < n; i++) out[i] = S.data[i * S.cols + i];
  return out;
}

/** m itself when it is float64, else a float64 copy (the one place covlasso widens float32). */
export function toFloat64(m: Matrix): Matrix & { data: Float64Array } {
  return m.astype('float64') as Matrix & { data: Float64Array };
}

/**
 * Reading and writing NumPy `.npy` files (the format `numpy.save` / `numpy.load` use).
 *
 * Supported element types: little-endian `float32` (`<f4`), `float64` (`<f8`), `int32` (`<i4`)
 * and `int64` (`<i8`), in C (row-major) order, any number of dimensions (including 0-d and
 * arrays with an empty dimension). Format versions 1.0, 2.0 and 3.0 are read; files are written
 * as version 1.0, or 2.0 when the header does not fit version 1.0's 16-bit length field.
 *
 * 16-bit floats are read too, widened exactly to `float32` (`widenedFrom` says so): `float16`
 * (`<f2`) and `bfloat16` (descr `'bfloat16'`; or `<V2`/`|V2`, what `numpy.save` writes for an
 * `ml_dtypes.bfloat16` array, with `{ void2: 'bfloat16' }`, since numpy's header cannot tell
 * bfloat16 from other 2-byte data).
 *
 * Everything malformed or unsupported raises {@link NpyFormatError}
 * (`code === 'ERR_COVLASSO_NPY_FORMAT'`); file-system errors (e.g. `ENOENT`) are Node's own.
 *
 * @module
 */

import * as fs from 'node:fs';

import { CovlassoRangeError, CovlassoTypeError, NpyFormatError } from '../runtime/errors';
import {
  checkDataLength,
  encodeHeader,
  HOST_LITTLE_ENDIAN,
  ITEM_SIZE,
  NpyDtype,
  NpyFileDtype,
  NpyHeader,
  NpyReadOptions,
  checkHeaderLength,
  parseHeader,
  parsePreamble,
  PREAMBLE_MAX,
} from './header';
import { widen16 } from '../runtime/half';
import { allocate, isTypedArray } from '../runtime/typed';
import { readFully, readWholeFile, readWholeFileSync, shortRead, writeChunks, writeChunksSync } from '../runtime/file-io';

export type { NpyDtype, NpyFileDtype, NpyHeader, NpyReadOptions } from './header';

/** The typed array that holds each {@link NpyDtype}. */
export interface NpyDataOf {
  /** `Float32Array` (also what float16 and bfloat16 files are widened to). */
  float32: Float32Array;
  /** `Float64Array`. */
  float64: Float64Array;
  /** `Int32Array`. */
  int32: Int32Array;
  /** `BigInt64Array`. */
  int64: BigInt64Array;
}

/** Typed-array storage for each {@link NpyDtype}. */
export type NpyData = NpyDataOf[NpyDtype];

/** An array of one element type `D`: `data` is the typed array of that type ({@link NpyDataOf}). */
export interface NpyTypedArray<D extends NpyDtype> {
  /** Element type: tells which typed array `data` is. */
  dtype: D;
  /** Dimensions; `[]` for a 0-d (scalar) array. The product is `data.length`. */
  shape: number[];
  /** Elements in C (row-major) order. */
  data: NpyDataOf[D];
  /**
   * Set when the file stored 16-bit floats (`float16` or `bfloat16`), which were widened
   * (exactly) to this float32 array; absent otherwise.
   */
  widenedFrom?: 'float16' | 'bfloat16';
}

/**
 * An n-dimensional array read from (or to be written to) a `.npy` file, row-major. A union
 * discriminated on `dtype`: checking `dtype` narrows `data` to its typed array, no cast needed.
 *
 * @example
 * const a = await readNpy('logits.npy');
 * if (a.dtype === 'float32' || a.dtype === 'float64') new Matrix(a.shape[0], a.shape[1], a.data);
 */
export type NpyArray<D extends NpyDtype = NpyDtype> = { [K in D]: NpyTypedArray<K> }[D];

/** What {@link encodeNpy} and {@link writeNpy} accept: `dtype` defaults to the typed array's. */
export interface NpyArrayInput {
  /** Element type; when given it must match the typed array type of `data`. */
  dtype?: NpyDtype;
  /** Dimensions; their product must equal `data.length`. */
  shape: readonly number[];
  /** Elements in C (row-major) order. */
  data: NpyData;
}

function swapBytes(bytes: Uint8Array, itemSize: number): void {
  for (let i = 0; i < bytes.length; i += itemSize) {
    for (let a = i, b = i + itemSize - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** The array of `length` elements of a file's dtype at `byteOffset` of `buffer` (little-endian bytes on this host). */
function arrayOver(dtype: NpyFileDtype, shape: number[], buffer: ArrayBufferLike, byteOffset: number, length: number): NpyArray {
  switch (dtype) {
    case 'float32':
      return { dtype, shape, data: new Float32Array(buffer, byteOffset, length) };
    case 'float64':
      return { dtype, shape, data: new Float64Array(buffer, byteOffset, length) };
    case 'int32':
      return { dtype, shape, data: new Int32Array(buffer, byteOffset, length) };
    case 'int64':
      return { dtype, shape, data: new BigInt64Array(buffer, byteOffset, length) };
    case 'float16':
    case 'bfloat16':
      return { dtype: 'float32', shape, data: widen16(dtype, new Uint16Array(buffer, byteOffset, length)), widenedFrom: dtype };
  }
}

/**
 * Decodes a complete `.npy` file held in memory.
 *
 * The returned `data` is a view on `buf`'s memory (no copy) whenever the data is aligned to the
 * element size, which it is for files numpy writes (headers padded to 64 bytes) read into their
 * own buffer; otherwise the data is copied. float16 and bfloat16 data is always copied, widened
 * to a fresh `Float32Array`.
 *
 * Fortran-ordered files are accepted only when their layout equals C order (at most one
 * dimension larger than 1, e.g. any 0-d or 1-d array).
 *
 * @param buf The whole file's bytes (a `Buffer` works).
 * @param options How to read 2-byte void data ({@link NpyReadOptions}).
 * @returns dtype, shape and the elements in C order.
 * @throws {NpyFormatError} bad magic, unsupported version, malformed header, big-endian or
 *   unsupported dtype, Fortran order, or a data size that does not match the shape.
 * @throws {CovlassoTypeError} `buf` is not a Uint8Array.
 */
export function parseNpy(buf: Uint8Array, options: NpyReadOptions = {}): NpyArray {
  if (!(buf instanceof Uint8Array)) {
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'parseNpy() expects a Uint8Array or Buffer');
  }
  const h = parseHeader(buf, parsePreamble(buf), options);
  checkDataLength(h, buf.length - h.dataOffset);
  const itemSize = ITEM_SIZE[h.dtype];
  const start = buf.byteOffset + h.dataOffset;
  if (HOST_LITTLE_ENDIAN && start % itemSize === 0) return arrayOver(h.dtype, h.shape, buf.buffer, start, h.count);
  const copy = buf.slice(h.dataOffset, h.dataOffset + h.byteLength); // fresh, aligned ArrayBuffer
  if (!HOST_LITTLE_ENDIAN) swapBytes(copy, itemSize);
  return arrayOver(h.dtype, h.shape, copy.buffer, 0, h.count);
}

/**
 * Reads a `.npy` file of any size (also over 2 GiB, which `fs.readFile` refuses): the whole file
 * in chunks into one preallocated buffer, then {@link parseNpy} on it.
 *
 * @param path File path.
 * @param options How to read 2-byte void data ({@link NpyReadOptions}).
 * @returns dtype, shape and the elements in C order (a zero-copy view on the file's bytes).
 * @throws {NpyFormatError} see {@link parseNpy}. A missing file rejects with Node's own `ENOENT` error.
 */
export async function readNpy(path: string, options: NpyReadOptions = {}): Promise<NpyArray> {
  return parseNpy(await readWholeFile(path, NpyFormatError), options);
}

/**
 * Synchronous twin of {@link readNpy} (also for files over 2 GiB).
 *
 * @param path File path.
 * @param options See {@link readNpy}.
 * @returns dtype, shape and the elements in C order.
 * @throws {NpyFormatError} see {@link parseNpy}. A missing file throws Node's own `ENOENT` error.
 */
export function readNpySync(path: string, options: NpyReadOptions = {}): NpyArray {
  return parseNpy(readWholeFileSync(path, NpyFormatError), options);
}

function elementsOf(shape: readonly number[]): number {
  return shape.reduce((a, d) => a * d, 1);
}

/** The array over freshly read little-endian bytes (swapped in place on a big-endian host). */
function arrayOf(dtype: NpyFileDtype, shape: number[], bytes: Uint8Array): NpyArray {
  const itemSize = ITEM_SIZE[dtype];
  if (!HOST_LITTLE_ENDIAN) swapBytes(bytes, itemSize);
  return arrayOver(dtype, shape, bytes.buffer, 0, bytes.length / itemSize);
}


/**
 * Fills `into` with the bytes of an open file from `position` (internal; the streaming readers
 * use it too).
 * @throws {NpyFormatError} when the file ends first (it was truncated while being read)
 */
export async function readExactly(fh: fs.promises.FileHandle, into: Uint8Array, position: number, path: string): Promise<void> {
  if ((await readFully(fh, into, position)) < into.length) throw shortRead(path, NpyFormatError);
}

/** The header of an open `.npy` file, checked against the file's size. */
async function headerOf(fh: fs.promises.FileHandle, options: NpyReadOptions): Promise<NpyHeader> {
  const start = new Uint8Array(PREAMBLE_MAX);
  const pre = parsePreamble(start.subarray(0, await readFully(fh, start, 0)));
  const { size } = await fh.stat();
  // The declared length is checked against the file (and a cap) before anything that size is
  // allocated or read: a forged v2/v3 length of up to 4 GiB would otherwise be allocated whole.
  checkHeaderLength(pre, size);
  const headerBytes = new Uint8Array(pre.headerStart + pre.headerLength);
  const h = parseHeader(headerBytes.subarray(0, await readFully(fh, headerBytes, 0)), pre, options);
  checkDataLength(h, size - h.dataOffset);
  return { dtype: h.dtype, shape: h.shape, dataOffset: h.dataOffset, fortranOrder: false };
}

/**
 * Reads only the header of a `.npy` file (a few hundred bytes, whatever the file's size), for
 * streaming the data later from `dataOffset`. Also checks that the file's size matches the shape.
 *
 * @param path File path.
 * @param options See {@link readNpy}.
 * @returns dtype, shape, the byte offset of the data, and `fortranOrder: false`.
 * @throws {NpyFormatError} see {@link parseNpy}. A missing file rejects with Node's own `ENOENT` error.
 */
export async function readNpyHeader(path: string, options: NpyReadOptions = {}): Promise<NpyHeader> {
  const fh = await fs.promises.open(path, 'r');
  try {
    return await headerOf(fh, options);
  } finally {
    await fh.close();
  }
}

/**
 * Reads rows `[begin, end)` of a `.npy` file (slices along its first dimension) and nothing
 * else: the header, then just those bytes, into a fresh typed array. Memory is that of the rows
 * read, whatever the file's size (there is no 2 GiB limit as with reading the whole file).
 *
 * @param path File path.
 * @param rows `[begin, end)` with `0 ≤ begin ≤ end ≤ shape[0]` (`begin === end` reads no rows).
 * @param options See {@link readNpy}.
 * @returns dtype, the shape `[end − begin, ...shape.slice(1)]` and the elements in C order.
 * @throws {NpyFormatError} see {@link parseNpy} (including a file shorter than its shape, or
 *   one truncated while being read). A missing file rejects with Node's own `ENOENT` error.
 * @throws {CovlassoRangeError} (`ERR_COVLASSO_SHAPE_MISMATCH`) when the range is reversed or
 *   outside `[0, shape[0]]`, or the array is 0-d.
 * @throws {CovlassoTypeError} (`ERR_COVLASSO_INVALID_ARGUMENT`) when `rows` is not a pair of integers.
 * @example
 * const evalRows = await readNpyRows('logits.npy', [8000, 12000]); // 4000 × C, nothing more read
 */
export async function readNpyRows(path: string, rows: readonly [number, number], options: NpyReadOptions = {}): Promise<NpyArray> {
  if (!Array.isArray(rows) || rows.length !== 2 || !rows.every((r) => Number.isSafeInteger(r))) {
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', `rows must be a [begin, end) pair of integers, got ${JSON.stringify(rows)}`);
  }
  const [begin, end] = rows;
  const fh = await fs.promises.open(path, 'r');
  try {
    const h = await headerOf(fh, options);
    if (h.shape.length === 0) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${path}: a 0-d array has no rows`);
    const n = h.shape[0];
    if (begin < 0 || begin > end || end > n) {
      throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${path}: rows [${begin}, ${end}) are not a range of the file's ${n} rows`);
    }
    const shape = [end - begin, ...h.shape.slice(1)];
    const rowElements = elementsOf(h.shape.slice(1));
    const itemSize = ITEM_SIZE[h.dtype];
    const bytes = allocate(Uint8Array, (end - begin) * rowElements * itemSize, `rows ${begin}:${end} of ${path}`);
    await readExactly(fh, bytes, h.dataOffset + begin * rowElements * itemSize, path);
    return arrayOf(h.dtype, shape, bytes);
  } finally {
    await fh.close();
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Writing                                                                                      */
/* ------------------------------------------------------------------------------------------ */

function dtypeOfData(data: unknown): NpyDtype | undefined {
  if (isTypedArray(data, 'Float32Array')) return 'float32';
  if (isTypedArray(data, 'Float64Array')) return 'float64';
  if (isTypedArray(data, 'Int32Array')) return 'int32';
  if (isTypedArray(data, 'BigInt64Array')) return 'int64';
  return undefined;
}

/** Validates an array to write; returns its dtype and the header bytes. */
function prepare(arr: NpyArrayInput): { header: Uint8Array; dtype: NpyDtype } {
  if (arr === null || typeof arr !== 'object') {
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'Expected an object { shape, data, dtype? }');
  }
  const actual = dtypeOfData(arr.data);
  if (!actual) {
    throw new CovlassoTypeError(
      'ERR_COVLASSO_INVALID_DTYPE',
      'data must be a Float32Array, Float64Array, Int32Array or BigInt64Array',
    );
  }
  if (arr.dtype !== undefined && arr.dtype !== actual) {
    throw new CovlassoTypeError(
      'ERR_COVLASSO_INVALID_DTYPE',
      `dtype ${JSON.stringify(arr.dtype)} does not match data (a ${arr.data.constructor.name}, i.e. ${actual})`,
    );
  }
  if (!Array.isArray(arr.shape)) {
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'shape must be an array of non-negative integers');
  }
  let count = 1;
  for (const d of arr.shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new CovlassoRangeError(
        'ERR_COVLASSO_INVALID_ARGUMENT',
        `shape must contain non-negative integers (got [${arr.shape.join(', ')}])`,
      );
    }
    count *= d;
  }
  if (count !== arr.data.length) {
    throw new CovlassoRangeError(
      'ERR_COVLASSO_SHAPE_MISMATCH',
      `shape [${arr.shape.join(', ')}] implies ${count} elements but data has ${arr.data.length}`,
    );
  }
  return { header: encodeHeader(actual, arr.shape), dtype: actual };
}

/** Little-endian bytes of `data` (a view when the host is little-endian, else a swapped copy). */
function dataBytes(data: NpyData, dtype: NpyDtype): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_LITTLE_ENDIAN) return bytes;
  const copy = bytes.slice();
  swapBytes(copy, ITEM_SIZE[dtype]);
  return copy;
}

/**
 * Encodes an array as a complete `.npy` file (format 1.0, or 2.0 when the header needs it),
 * byte-for-byte what `numpy.save` reads back as the same dtype and shape.
 *
 * @param arr `{ shape, data, dtype? }`; `dtype` defaults to the typed array's type.
 * @returns The file's bytes (header padded so the data starts at a multiple of 64 bytes).
 * @throws {CovlassoRangeError} `ERR_COVLASSO_SHAPE_MISMATCH` when the product of `shape` is not
 *   `data.length`; `ERR_COVLASSO_INVALID_ARGUMENT` for a negative or non-integer dimension.
 * @throws {CovlassoTypeError} `ERR_COVLASSO_INVALID_DTYPE` when `data` is not a supported typed
 *   array or does not match `dtype`.
 */
export function encodeNpy(arr: NpyArrayInput): Uint8Array {
  const { header, dtype } = prepare(arr);
  const body = dataBytes(arr.data, dtype);
  const out = allocate(Uint8Array, header.length + body.length, 'the .npy bytes');
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}

/**
 * Writes an array to a `.npy` file (replacing any existing file), without copying the data.
 *
 * @param path File path.
 * @param arr `{ shape, data, dtype? }`; see {@link encodeNpy}.
 * @throws {CovlassoRangeError} / {CovlassoTypeError} see {@link encodeNpy}; file-system errors are Node's.
 */
export async function writeNpy(path: string, arr: NpyArrayInput): Promise<void> {
  const { header, dtype } = prepare(arr);
  const body = dataBytes(arr.data, dtype);
  await writeChunks(path, [header, body]);
}

/**
 * Synchronous twin of {@link writeNpy}.
 *
 * @param path File path.
 * @param arr `{ shape, data, dtype? }`; see {@link encodeNpy}.
 * @throws {CovlassoRangeError} / {CovlassoTypeError} see {@link encodeNpy}; file-system errors are Node's.
 */
export function writeNpySync(path: string, arr: NpyArrayInput): void {
  const { header, dtype } = prepare(arr);
  const body = dataBytes(arr.data, dtype);
  writeChunksSync(path, [header, body]);
}

/**
 * Reading and writing NumPy `.npy` files (the format `numpy.save` / `numpy.load` use).
 *
 * Supported element types: little-endian `float32` (`<f4`), `float64` (`<f8`), `int32` (`<i4`)
 * and `int64` (`<i8`), in C (row-major) order, any number of dimensions (including 0-d and
 * arrays with an empty dimension). Format versions 1.0, 2.0 and 3.0 are read; files are written
 * as version 1.0, or 2.0 when the header does not fit version 1.0's 16-bit length field.
 *
 * Everything malformed or unsupported raises {@link NpyFormatError}
 * (`code === 'ERR_COVLASSO_NPY_FORMAT'`); file-system errors (e.g. `ENOENT`) are Node's own.
 *
 * @module
 */

import * as fs from 'node:fs';
import * as os from 'node:os';

import { CovlassoRangeError, CovlassoTypeError, NpyFormatError } from './errors';
import { isTypedArray } from './typed';

/** Element types covlasso reads and writes in `.npy` files. */
export type NpyDtype = 'float32' | 'float64' | 'int32' | 'int64';

/** Typed-array storage for each {@link NpyDtype}. */
export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array;

/** An n-dimensional array read from (or to be written to) a `.npy` file, row-major. */
export interface NpyArray {
  /** Element type. */
  dtype: NpyDtype;
  /** Dimensions; `[]` for a 0-d (scalar) array. The product is `data.length`. */
  shape: number[];
  /** Elements in C (row-major) order. */
  data: NpyData;
}

/** What {@link encodeNpy} and {@link writeNpy} accept: `dtype` defaults to the typed array's. */
export interface NpyArrayInput {
  /** Element type; when given it must match the typed array type of `data`. */
  dtype?: NpyDtype;
  /** Dimensions; their product must equal `data.length`. */
  shape: readonly number[];
  /** Elements in C (row-major) order. */
  data: NpyData;
}

/** The header of a `.npy` file, as returned by {@link readNpyHeader}. */
export interface NpyHeader {
  /** Element type. */
  dtype: NpyDtype;
  /** Dimensions; `[]` for a 0-d array. */
  shape: number[];
  /** Byte offset of the first element in the file (the data runs to the end of the file). */
  dataOffset: number;
  /** Always `false`: the data is in C (row-major) order. */
  fortranOrder: false;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
/** numpy pads the header so the data starts at a multiple of this (`numpy.lib.format.ARRAY_ALIGN`). */
const ARRAY_ALIGN = 64;
/** Bytes needed to know a header's total length, whatever the version. */
const PREAMBLE_MAX = 12;

const ITEM_SIZE: Record<NpyDtype, number> = { float32: 4, float64: 8, int32: 4, int64: 8 };
const DESCR_OF: Record<NpyDtype, string> = { float32: '<f4', float64: '<f8', int32: '<i4', int64: '<i8' };
const HOST_LITTLE_ENDIAN = os.endianness() === 'LE';

/* ------------------------------------------------------------------------------------------ */
/* Header parsing                                                                               */
/* ------------------------------------------------------------------------------------------ */

interface Preamble {
  major: number;
  minor: number;
  /** Offset of the header text. */
  headerStart: number;
  /** Length of the header text in bytes. */
  headerLength: number;
}

/** Reads magic, version and header length; `bytes` must hold at least the first 12 bytes if available. */
function parsePreamble(bytes: Uint8Array): Preamble {
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NpyFormatError('Not a .npy file: the magic string "\\x93NUMPY" is missing');
  }
  if (bytes.length < 8) throw new NpyFormatError('Truncated .npy file: the format version is missing');
  const major = bytes[6];
  const minor = bytes[7];
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) {
    throw new NpyFormatError(
      `Unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major === 1) {
    if (bytes.length < 10) throw new NpyFormatError('Truncated .npy file: the header length is missing');
    return { major, minor, headerStart: 10, headerLength: view.getUint16(8, true) };
  }
  if (bytes.length < 12) throw new NpyFormatError('Truncated .npy file: the header length is missing');
  return { major, minor, headerStart: 12, headerLength: view.getUint32(8, true) };
}

/** A parsed Python literal (the subset `numpy.lib.format` headers use). */
type PyValue =
  | { t: 'str'; v: string }
  | { t: 'int'; v: bigint }
  | { t: 'bool'; v: boolean }
  | { t: 'none' }
  | { t: 'tuple'; v: PyValue[] }
  | { t: 'list'; v: PyValue[] }
  | { t: 'dict'; v: Map<string, PyValue> };

/** A small recursive-descent parser for Python literals (`ast.literal_eval` subset). */
class PyLiteralParser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parseTop(): PyValue {
    const value = this.value();
    this.ws();
    if (this.pos !== this.src.length) this.fail(`unexpected ${JSON.stringify(this.src[this.pos])}`);
    return value;
  }

  private fail(what: string): never {
    throw new NpyFormatError(`Malformed .npy header (${what} at offset ${this.pos}): ${JSON.stringify(this.src.trim())}`);
  }

  private ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }

  private value(): PyValue {
    this.ws();
    const c = this.src[this.pos];
    if (c === undefined) this.fail('unexpected end');
    if (c === '{') return this.dict();
    if (c === '(') return this.seq('(', ')');
    if (c === '[') return this.seq('[', ']');
    if (c === "'" || c === '"') return { t: 'str', v: this.str() };
    if ((c === 'u' || c === 'U') && (this.src[this.pos + 1] === "'" || this.src[this.pos + 1] === '"')) {
      this.pos++;
      return { t: 'str', v: this.str() };
    }
    const rest = this.src.slice(this.pos);
    const num = /^[+-]?\d+[lL]?/.exec(rest);
    if (num) {
      this.pos += num[0].length;
      const next = this.src[this.pos];
      if (next !== undefined && /[\w.]/.test(next)) this.fail('unsupported number');
      return { t: 'int', v: BigInt(num[0].replace(/[lL]$/, '')) };
    }
    const word = /^[A-Za-z_]\w*/.exec(rest);
    if (word) {
      this.pos += word[0].length;
      if (word[0] === 'True') return { t: 'bool', v: true };
      if (word[0] === 'False') return { t: 'bool', v: false };
      if (word[0] === 'None') return { t: 'none' };
      this.fail(`unsupported name ${word[0]}`);
    }
    this.fail(`unexpected ${JSON.stringify(c)}`);
  }

  private str(): string {
    const quote = this.src[this.pos++];
    let out = '';
    for (;;) {
      const c = this.src[this.pos++];
      if (c === undefined || c === '\n') this.fail('unterminated string');
      if (c === quote) return out;
      if (c === '\\') {
        const e = this.src[this.pos++];
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };
        if (e !== undefined && e in simple) out += simple[e];
        else this.fail('unsupported escape in string');
      } else {
        out += c;
      }
    }
  }

  /** Tuple or list. A parenthesised single value without a comma is that value (as in Python). */
  private seq(open: string, close: string): PyValue {
    this.pos++; // open
    const items: PyValue[] = [];
    let sawComma = false;
    for (;;) {
      this.ws();
      if (this.src[this.pos] === close) {
        this.pos++;
        break;
      }
      items.push(this.value());
      this.ws();
      if (this.src[this.pos] === ',') {
        this.pos++;
        sawComma = true;
      } else if (this.src[this.pos] === close) {
        this.pos++;
        break;
      } else {
        this.fail(`expected "," or "${close}"`);
      }
    }
    if (open === '[') return { t: 'list', v: items };
    if (items.length === 1 && !sawComma) return items[0];
    return { t: 'tuple', v: items };
  }

  private dict(): PyValue {
    this.pos++; // {
    const map = new Map<string, PyValue>();
    for (;;) {
      this.ws();
      if (this.src[this.pos] === '}') {
        this.pos++;
        break;
      }
      const key = this.value();
      if (key.t !== 'str') this.fail('dictionary keys must be strings');
      this.ws();
      if (this.src[this.pos] !== ':') this.fail('expected ":"');
      this.pos++;
      if (map.has(key.v)) this.fail(`duplicate key ${JSON.stringify(key.v)}`);
      map.set(key.v, this.value());
      this.ws();
      if (this.src[this.pos] === ',') {
        this.pos++;
      } else if (this.src[this.pos] === '}') {
        this.pos++;
        break;
      } else {
        this.fail('expected "," or "}"');
      }
    }
    return { t: 'dict', v: map };
  }
}

/** Maps a numpy `descr` string to a supported dtype, or throws a precise NpyFormatError. */
function dtypeFromDescr(descr: string): NpyDtype {
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  if (!m) throw new NpyFormatError(`Unsupported .npy dtype ${JSON.stringify(descr)} (supported: <f4, <f8, <i4, <i8)`);
  const [, order, kind, sizeText] = m;
  const size = Number(sizeText);
  const supported: Record<string, NpyDtype> = { f4: 'float32', f8: 'float64', i4: 'int32', i8: 'int64' };
  const dtype = supported[kind + sizeText] as NpyDtype | undefined;
  if (order === '>' && size > 1) {
    throw new NpyFormatError(
      `Big-endian .npy data (${JSON.stringify(descr)}) is not supported; ` +
        `convert it with arr.astype(arr.dtype.newbyteorder('<')) before saving`,
    );
  }
  if (dtype && (order === '<' || (order === '=' && HOST_LITTLE_ENDIAN))) return dtype;
  if (dtype && order === '|') {
    throw new NpyFormatError(`Malformed .npy dtype ${JSON.stringify(descr)}: "|" is only valid for 1-byte types`);
  }
  throw new NpyFormatError(
    `Unsupported .npy dtype ${JSON.stringify(descr)} (supported: <f4 float32, <f8 float64, <i4 int32, <i8 int64)`,
  );
}

/** True when C and Fortran order give the same memory layout (at most one dimension > 1). */
function layoutIsOrderFree(shape: readonly number[]): boolean {
  return shape.includes(0) || shape.filter((d) => d > 1).length <= 1;
}

interface ParsedHeader {
  dtype: NpyDtype;
  shape: number[];
  dataOffset: number;
  /** Number of elements (product of shape). */
  count: number;
  /** Bytes of data the shape implies. */
  byteLength: number;
}

/** Parses the header that starts at the beginning of `bytes` (which must contain all of it). */
function parseHeader(bytes: Uint8Array, pre: Preamble): ParsedHeader {
  const dataOffset = pre.headerStart + pre.headerLength;
  if (bytes.length < dataOffset) {
    throw new NpyFormatError(
      `Truncated .npy file: the header needs ${dataOffset} bytes but only ${bytes.length} are present`,
    );
  }
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset + pre.headerStart, pre.headerLength);
  const text = raw.toString(pre.major >= 3 ? 'utf8' : 'latin1');
  const value = new PyLiteralParser(text).parseTop();
  if (value.t !== 'dict') throw new NpyFormatError(`Malformed .npy header: not a dictionary: ${JSON.stringify(text.trim())}`);
  const keys = [...value.v.keys()].sort();
  if (keys.join(',') !== 'descr,fortran_order,shape') {
    throw new NpyFormatError(
      `Malformed .npy header: keys must be exactly descr, fortran_order, shape (got ${keys.join(', ') || 'none'})`,
    );
  }
  const descr = value.v.get('descr')!;
  const fortran = value.v.get('fortran_order')!;
  const shapeValue = value.v.get('shape')!;

  if (shapeValue.t !== 'tuple') throw new NpyFormatError(`Malformed .npy header: 'shape' must be a tuple of integers`);
  const shape = shapeValue.v.map((d) => {
    if (d.t !== 'int') throw new NpyFormatError(`Malformed .npy header: 'shape' must be a tuple of integers`);
    if (d.v < 0n || d.v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new NpyFormatError(`Malformed .npy header: invalid dimension ${d.v} in 'shape'`);
    }
    return Number(d.v);
  });
  if (fortran.t !== 'bool') throw new NpyFormatError(`Malformed .npy header: 'fortran_order' must be True or False`);
  if (descr.t !== 'str') {
    throw new NpyFormatError('Unsupported .npy dtype: structured (record) dtypes are not supported');
  }
  const dtype = dtypeFromDescr(descr.v);
  if (fortran.v && !layoutIsOrderFree(shape)) {
    throw new NpyFormatError(
      `Fortran-order .npy data (shape (${shape.join(', ')})) is not supported; save a C-ordered copy ` +
        `(numpy.ascontiguousarray) instead`,
    );
  }
  let count = 1;
  for (const d of shape) count *= d;
  const byteLength = count * ITEM_SIZE[dtype];
  if (!Number.isSafeInteger(byteLength)) throw new NpyFormatError(`Malformed .npy header: shape (${shape.join(', ')}) is too large`);
  return { dtype, shape, dataOffset, count, byteLength };
}

function checkDataLength(h: ParsedHeader, available: number): void {
  if (available < h.byteLength) {
    throw new NpyFormatError(
      `Truncated .npy file: shape (${h.shape.join(', ')}) of ${h.dtype} needs ${h.byteLength} data bytes ` +
        `but only ${available} are present`,
    );
  }
  if (available > h.byteLength) {
    throw new NpyFormatError(
      `Malformed .npy file: ${available - h.byteLength} unexpected bytes after the data of shape (${h.shape.join(', ')})`,
    );
  }
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

function typedView(dtype: NpyDtype, buffer: ArrayBufferLike, byteOffset: number, length: number): NpyData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, byteOffset, length);
    case 'float64':
      return new Float64Array(buffer, byteOffset, length);
    case 'int32':
      return new Int32Array(buffer, byteOffset, length);
    case 'int64':
      return new BigInt64Array(buffer, byteOffset, length);
  }
}

/**
 * Decodes a complete `.npy` file held in memory.
 *
 * The returned `data` is a view on `buf`'s memory (no copy) whenever the data is aligned to the
 * element size, which it is for files numpy writes (headers padded to 64 bytes) read into their
 * own buffer; otherwise the data is copied.
 *
 * Fortran-ordered files are accepted only when their layout equals C order (at most one
 * dimension larger than 1, e.g. any 0-d or 1-d array).
 *
 * @param buf The whole file's bytes (a `Buffer` works).
 * @returns dtype, shape and the elements in C order.
 * @throws {NpyFormatError} bad magic, unsupported version, malformed header, big-endian or
 *   unsupported dtype, Fortran order, or a data size that does not match the shape.
 * @throws {CovlassoTypeError} `buf` is not a Uint8Array.
 */
export function parseNpy(buf: Uint8Array): NpyArray {
  if (!(buf instanceof Uint8Array)) {
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'parseNpy() expects a Uint8Array or Buffer');
  }
  const h = parseHeader(buf, parsePreamble(buf));
  checkDataLength(h, buf.length - h.dataOffset);
  const itemSize = ITEM_SIZE[h.dtype];
  const start = buf.byteOffset + h.dataOffset;
  if (HOST_LITTLE_ENDIAN && start % itemSize === 0) {
    return { dtype: h.dtype, shape: h.shape, data: typedView(h.dtype, buf.buffer, start, h.count) };
  }
  const copy = buf.slice(h.dataOffset, h.dataOffset + h.byteLength); // fresh, aligned ArrayBuffer
  if (!HOST_LITTLE_ENDIAN) swapBytes(copy, itemSize);
  return { dtype: h.dtype, shape: h.shape, data: typedView(h.dtype, copy.buffer, 0, h.count) };
}

/**
 * Reads a `.npy` file.
 *
 * @param path File path.
 * @returns dtype, shape and the elements in C order (a zero-copy view on the file's bytes).
 * @throws {NpyFormatError} see {@link parseNpy}. A missing file rejects with Node's own `ENOENT` error.
 */
export async function readNpy(path: string): Promise<NpyArray> {
  return parseNpy(await fs.promises.readFile(path));
}

/**
 * Synchronous twin of {@link readNpy}.
 *
 * @param path File path.
 * @returns dtype, shape and the elements in C order.
 * @throws {NpyFormatError} see {@link parseNpy}. A missing file throws Node's own `ENOENT` error.
 */
export function readNpySync(path: string): NpyArray {
  return parseNpy(fs.readFileSync(path));
}

async function readFully(fh: fs.promises.FileHandle, length: number, position: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(out, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return out.subarray(0, done);
}

/**
 * Reads only the header of a `.npy` file (a few hundred bytes, whatever the file's size), for
 * streaming the data later from `dataOffset`. Also checks that the file's size matches the shape.
 *
 * @param path File path.
 * @returns dtype, shape, the byte offset of the data, and `fortranOrder: false`.
 * @throws {NpyFormatError} see {@link parseNpy}. A missing file rejects with Node's own `ENOENT` error.
 */
export async function readNpyHeader(path: string): Promise<NpyHeader> {
  const fh = await fs.promises.open(path, 'r');
  try {
    const start = await readFully(fh, PREAMBLE_MAX, 0);
    const pre = parsePreamble(start);
    const headerBytes = await readFully(fh, pre.headerStart + pre.headerLength, 0);
    const h = parseHeader(headerBytes, pre);
    const { size } = await fh.stat();
    checkDataLength(h, size - h.dataOffset);
    return { dtype: h.dtype, shape: h.shape, dataOffset: h.dataOffset, fortranOrder: false };
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

/** Builds the magic, version, length and padded header dictionary (version 1.0 or 2.0). */
function encodeHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${DESCR_OF[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let version = 1;
  let preambleLength = 10;
  // Pad with spaces and a final newline so that the data starts at a multiple of ARRAY_ALIGN.
  let total = Math.ceil((preambleLength + dict.length + 1) / ARRAY_ALIGN) * ARRAY_ALIGN;
  if (total - preambleLength > 0xffff) {
    version = 2;
    preambleLength = 12;
    total = Math.ceil((preambleLength + dict.length + 1) / ARRAY_ALIGN) * ARRAY_ALIGN;
  }
  const headerLength = total - preambleLength;
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  const text = dict + ' '.repeat(headerLength - dict.length - 1) + '\n';
  out.set(Buffer.from(text, 'latin1'), preambleLength);
  return out;
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
  const out = new Uint8Array(header.length + body.length);
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
  const fh = await fs.promises.open(path, 'w');
  try {
    let position = 0;
    for (const chunk of [header, body]) {
      let done = 0;
      while (done < chunk.length) {
        const { bytesWritten } = await fh.write(chunk, done, chunk.length - done, position);
        done += bytesWritten;
        position += bytesWritten;
      }
    }
  } finally {
    await fh.close();
  }
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
  const fd = fs.openSync(path, 'w');
  try {
    let position = 0;
    for (const chunk of [header, body]) {
      let done = 0;
      while (done < chunk.length) {
        const written = fs.writeSync(fd, chunk, done, chunk.length - done, position);
        done += written;
        position += written;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The header of a `.npy` file: the preamble (magic, version, header length), the Python-literal
 * dictionary that follows it (`descr`, `fortran_order`, `shape`), dtype descriptors, and the
 * encoding of a header for writing. Internal to lib/npy.ts, which holds the public entry points.
 *
 * @module
 */

import * as os from 'node:os';

import { NpyFormatError } from '../runtime/errors';
import { PyLiteralParser } from './literal';

/** Element types of the arrays covlasso reads and writes (the types of {@link NpyArray}'s `data`). */
export type NpyDtype = 'float32' | 'float64' | 'int32' | 'int64';

/**
 * Element types a `.npy` file read by covlasso may hold: the {@link NpyDtype}s, and the 16-bit
 * floats `float16` (numpy's `<f2`) and `bfloat16` (descr `'bfloat16'`, or `<V2`/`|V2` as
 * `ml_dtypes` arrays are saved by `numpy.save`, with {@link NpyReadOptions.void2}), which the
 * readers widen to `float32` (exactly: every 16-bit value is a float32 value).
 */
export type NpyFileDtype = NpyDtype | 'float16' | 'bfloat16';

/** Options of the `.npy` readers. */
export interface NpyReadOptions {
  /**
   * How to read 2-byte void data (`<V2`, `|V2`), which is what `numpy.save` writes for an
   * `ml_dtypes.bfloat16` array (numpy has no bfloat16 of its own, so the header cannot say
   * bfloat16): `'bfloat16'` reads it as bfloat16. Without it such files are refused, as
   * `V2` may hold anything.
   */
  void2?: 'bfloat16';
}

/** The header of a `.npy` file, as returned by {@link readNpyHeader}. */
export interface NpyHeader {
  /** Element type stored in the file (`float16` and `bfloat16` are widened to float32 on reading). */
  dtype: NpyFileDtype;
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
export const PREAMBLE_MAX = 12;

/** Bytes per element of each dtype, as stored in a file. */
export const ITEM_SIZE: Record<NpyFileDtype, number> = { float16: 2, bfloat16: 2, float32: 4, float64: 8, int32: 4, int64: 8 };
const DESCR_OF: Record<NpyDtype, string> = { float32: '<f4', float64: '<f8', int32: '<i4', int64: '<i8' };
export const HOST_LITTLE_ENDIAN = os.endianness() === 'LE';

/* ------------------------------------------------------------------------------------------ */
/* Header parsing                                                                               */
/* ------------------------------------------------------------------------------------------ */

export interface Preamble {
  major: number;
  minor: number;
  /** Offset of the header text. */
  headerStart: number;
  /** Length of the header text in bytes. */
  headerLength: number;
}

/** Reads magic, version and header length; `bytes` must hold at least the first 12 bytes if available. */
export function parsePreamble(bytes: Uint8Array): Preamble {
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

/**
 * Longest header text covlasso reads. The headers of the dtypes it supports are a few hundred
 * bytes (numpy itself refuses headers over 10 000 bytes by default); 1 MiB leaves room for any
 * shape while keeping a forged length from allocating gigabytes.
 */
export const MAX_HEADER_LENGTH = 2 ** 20;

/**
 * Checks a preamble's declared header length against the size of the file (or buffer) and
 * {@link MAX_HEADER_LENGTH}, before the header is allocated or read.
 * @throws {NpyFormatError} when the header would run past the end of the file or over the cap
 */
export function checkHeaderLength(pre: Preamble, fileSize: number): void {
  if (pre.headerLength > MAX_HEADER_LENGTH) {
    throw new NpyFormatError(`Malformed .npy header: declared length ${pre.headerLength} bytes exceeds the ${MAX_HEADER_LENGTH}-byte limit`);
  }
  if (pre.headerStart + pre.headerLength > fileSize) {
    throw new NpyFormatError(
      `Truncated .npy file: the header needs ${pre.headerStart + pre.headerLength} bytes but the file has only ${fileSize}`,
    );
  }
}

const SUPPORTED_TEXT = '<f2 float16, bfloat16, <f4 float32, <f8 float64, <i4 int32, <i8 int64';

/** Maps a numpy `descr` string to a supported dtype, or throws a precise NpyFormatError. */
function dtypeFromDescr(descr: string, options: NpyReadOptions): NpyFileDtype {
  if (descr === 'bfloat16') return 'bfloat16';
  if ((descr === '<V2' || descr === '|V2') && options.void2 === 'bfloat16') return 'bfloat16';
  if (descr === '<V2' || descr === '|V2') {
    throw new NpyFormatError(
      `Unsupported .npy dtype ${JSON.stringify(descr)}: 2-byte void data (what numpy.save writes for ml_dtypes.bfloat16); ` +
        `pass { void2: 'bfloat16' } to read it as bfloat16`,
    );
  }
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  if (!m) throw new NpyFormatError(`Unsupported .npy dtype ${JSON.stringify(descr)} (supported: ${SUPPORTED_TEXT})`);
  const [, order, kind, sizeText] = m;
  const size = Number(sizeText);
  const supported: Record<string, NpyFileDtype> = { f2: 'float16', f4: 'float32', f8: 'float64', i4: 'int32', i8: 'int64' };
  const dtype = supported[kind + sizeText] as NpyFileDtype | undefined;
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
  throw new NpyFormatError(`Unsupported .npy dtype ${JSON.stringify(descr)} (supported: ${SUPPORTED_TEXT})`);
}

/** True when C and Fortran order give the same memory layout (at most one dimension > 1). */
function layoutIsOrderFree(shape: readonly number[]): boolean {
  return shape.includes(0) || shape.filter((d) => d > 1).length <= 1;
}

export interface ParsedHeader {
  dtype: NpyFileDtype;
  shape: number[];
  dataOffset: number;
  /** Number of elements (product of shape). */
  count: number;
  /** Bytes of data the shape implies. */
  byteLength: number;
}

/** Parses the header that starts at the beginning of `bytes` (which must contain all of it). */
export function parseHeader(bytes: Uint8Array, pre: Preamble, options: NpyReadOptions = {}): ParsedHeader {
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
  const dtype = dtypeFromDescr(descr.v, options);
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

export function checkDataLength(h: ParsedHeader, available: number): void {
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

/* ------------------------------------------------------------------------------------------ */
/* Writing                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/** Builds the magic, version, length and padded header dictionary (version 1.0 or 2.0). */
export function encodeHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
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

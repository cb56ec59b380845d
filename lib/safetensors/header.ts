/**
 * The safetensors header: an 8-byte little-endian u64 length N, N bytes of UTF-8 JSON naming each
 * tensor's dtype, shape and `data_offsets` (relative to the end of the header), then the raw
 * little-endian tensor bytes. Parsed and checked against the file's size before anything is
 * allocated for a tensor: every malformed or forged header is a {@link SafetensorsFormatError}.
 * @module
 */
import { SafetensorsFormatError } from '../runtime/errors';

/** Element types of the safetensors format and their sizes in bytes. */
export const SAFETENSORS_DTYPES = {
  /** float64. */
  F64: 8,
  /** float32. */
  F32: 4,
  /** IEEE half precision. */
  F16: 2,
  /** bfloat16. */
  BF16: 2,
  /** 8-bit float, 4 exponent bits. */
  F8_E4M3: 1,
  /** 8-bit float, 5 exponent bits. */
  F8_E5M2: 1,
  /** int64. */
  I64: 8,
  /** int32. */
  I32: 4,
  /** int16. */
  I16: 2,
  /** int8. */
  I8: 1,
  /** uint64. */
  U64: 8,
  /** uint32. */
  U32: 4,
  /** uint16. */
  U16: 2,
  /** uint8. */
  U8: 1,
  /** bool, one byte each. */
  BOOL: 1,
} as const;

/** A dtype named in a safetensors header. */
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPES;

/** One tensor's entry in a safetensors header. */
export interface SafetensorsTensorInfo {
  /** Element type. */
  dtype: SafetensorsDtype;
  /** Dimensions (row-major). */
  shape: number[];
  /** Byte range `[begin, end)` relative to the start of the data (the end of the header). */
  dataOffsets: [number, number];
}

/** A parsed safetensors header. */
export interface SafetensorsHeader {
  /** N: the JSON header's length in bytes. */
  headerLength: number;
  /** Absolute file offset of the data (8 + N). */
  dataStart: number;
  /** Tensors by name, in the header's order. */
  tensors: Map<string, SafetensorsTensorInfo>;
  /** The `__metadata__` strings (empty when absent). */
  metadata: Record<string, string>;
}

/** Largest header accepted (the format's own limit is 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;
/** Deepest JSON nesting accepted in a header (a real one nests 3 levels). */
export const MAX_HEADER_DEPTH = 32;

function fail(message: string): never {
  throw new SafetensorsFormatError(message);
}

/** The header length N from the first 8 bytes, checked against the file size. */
export function parseHeaderLength(first8: Uint8Array, fileSize: number): number {
  if (fileSize < 8 || first8.length < 8) fail(`truncated: ${fileSize} bytes, not even the 8-byte header length`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(fileSize - 8)) fail(`header length ${n} runs past the end of the file (${fileSize} bytes)`);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (n < 2n) fail(`header length ${n} cannot hold a JSON object`);
  return Number(n);
}

/** Rejects JSON nested deeper than {@link MAX_HEADER_DEPTH} before JSON.parse sees it. */
function checkDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++;
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > MAX_HEADER_DEPTH) fail(`header JSON nested deeper than ${MAX_HEADER_DEPTH} levels`);
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function nonNegativeInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${what} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

function tensorInfo(name: string, entry: unknown, dataSize: number): SafetensorsTensorInfo {
  if (!isPlainObject(entry)) fail(`tensor '${name}': entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string' || !Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPES, dtype)) {
    fail(`tensor '${name}': unknown dtype ${JSON.stringify(dtype)}`);
  }
  if (!Array.isArray(shape)) fail(`tensor '${name}': shape is not an array`);
  const dims = shape.map((s, i) => nonNegativeInt(s, `tensor '${name}': shape[${i}]`));
  if (!Array.isArray(offsets) || offsets.length !== 2) fail(`tensor '${name}': data_offsets must be [begin, end]`);
  const begin = nonNegativeInt(offsets[0], `tensor '${name}': data_offsets[0]`);
  const end = nonNegativeInt(offsets[1], `tensor '${name}': data_offsets[1]`);
  if (begin > end) fail(`tensor '${name}': data_offsets [${begin}, ${end}] are reversed`);
  if (end > dataSize) fail(`tensor '${name}': data_offsets [${begin}, ${end}] run past the data (${dataSize} bytes)`);
  // BigInt: a forged shape's product may overflow a double's exact integers.
  const bytes = dims.reduce((p, s) => p * BigInt(s), 1n) * BigInt(SAFETENSORS_DTYPES[dtype as SafetensorsDtype]);
  if (bytes !== BigInt(end - begin)) {
    fail(`tensor '${name}': shape [${dims.join(', ')}] of ${dtype} is ${bytes} bytes, but data_offsets span ${end - begin}`);
  }
  return { dtype: dtype as SafetensorsDtype, shape: dims, dataOffsets: [begin, end] };
}

/**
 * Parses and checks the JSON header (bytes 8..8+N) of a file of `fileSize` bytes: every entry's
 * dtype, shape and offsets, offsets inside the data and of shape × dtype size, no two overlapping.
 * @throws SafetensorsFormatError for anything malformed
 */
export function parseHeader(json: Uint8Array, fileSize: number): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(json);
  } catch {
    fail('header is not valid UTF-8');
  }
  checkDepth(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    fail(`header is not JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(value)) fail('header JSON is not an object');
  const dataStart = 8 + json.length;
  const dataSize = fileSize - dataStart;
  const tensors = new Map<string, SafetensorsTensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(value)) {
    if (name === '__metadata__') {
      if (!isPlainObject(entry) || Object.values(entry).some((v) => typeof v !== 'string')) fail('__metadata__ must be an object of strings');
      metadata = entry as Record<string, string>;
    } else {
      tensors.set(name, tensorInfo(name, entry, dataSize));
    }
  }
  const spans = [...tensors].filter(([, t]) => t.dataOffsets[1] > t.dataOffsets[0]).sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][1].dataOffsets[0] < spans[i - 1][1].dataOffsets[1]) fail(`tensors '${spans[i - 1][0]}' and '${spans[i][0]}' overlap`);
  }
  return { headerLength: json.length, dataStart, tensors, metadata };
}

/** A "no such tensor" error naming a few of the tensors that exist. */
export function missingTensor(name: string, available: Iterable<string>, where: string): SafetensorsFormatError {
  const names = [...available];
  const some = names.slice(0, 8).map((n) => `'${n}'`).join(', ');
  return new SafetensorsFormatError(`no tensor '${name}' in ${where}; it holds ${names.length} tensors: ${some}${names.length > 8 ? ', ...' : ''}`);
}

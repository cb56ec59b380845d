/**
 * The `.cov` accumulator state file: a saved {@link AccumulatorState}, to compute shards of the
 * rows in separate processes and merge them later.
 *
 * Layout (version 2), all integers and floats little-endian:
 *
 * | offset | bytes | content |
 * | --- | --- | --- |
 * | 0 | 12 | magic, ASCII `COVLASSO-ACC` |
 * | 12 | 4 | uint32 `H`: length of the JSON header |
 * | 16 | H | UTF-8 JSON, padded with spaces and a final `\n` so the data starts at a multiple of 64 |
 * | 16 + H | 8·(2·colsX + 2·colsY + colsX·colsY) | float64: shiftX, shiftY, sumX, sumY, moment (row-major) |
 *
 * The header is `{"format":"covlasso-accumulator","version":2,"colsX":…,"colsY":…,"symmetric":…,
 * "count":…,"dtype":"<f8","arrays":["shiftX","shiftY","sumX","sumY","moment"],"crc32":"…"}`, where
 * `crc32` (8 hex digits) is the CRC-32 (zlib's) of the header's fields, serialized canonically
 * (that JSON in that key order, without `crc32`), followed by the data bytes: a forged `count`
 * or `symmetric` fails it like a flipped data bit. Version 1 (whose CRC covered the data only,
 * so an edited header went unnoticed) is still read; version 2 rather than a second CRC field,
 * so that a reader of version 1 refuses a new file instead of ignoring its header check, and
 * every file written has one checksum over everything it says. The file ends right after the
 * data. In a symmetric (covariance) state only the upper triangle of `moment` is meaningful; it
 * is written with the strict lower triangle zeroed, so equal states give identical files.
 * @module
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as zlib from 'node:zlib';
import { AccumulatorStateError } from '../runtime/errors';
import type { NativeAccumulatorState } from '../runtime/native-types';
import { allocate } from '../runtime/typed';
import { writeAtomically, writeAtomicallySync } from '../runtime/atomic-file';
import { readFully, writeChunks } from '../runtime/file-io';

/**
 * The raw, mergeable state of a {@link CovarianceAccumulator}: sums relative to per-column shifts
 * (the first row seen). `M = Σ (x − shiftX)(y − shiftY)ᵀ`, `sumX = Σ (x − shiftX)`, and so on.
 */
export interface AccumulatorState extends NativeAccumulatorState {
  /** Columns of X. */
  colsX: number;
  /** Columns of Y (equal to `colsX` for a covariance). */
  colsY: number;
  /** true for a covariance accumulator (Y is X), false for cross moments. */
  symmetric: boolean;
}

const MAGIC = 'COVLASSO-ACC';
const PREFIX = 16;
const ALIGN = 64;
const VERSION = 2;
/** Versions read: 1 (CRC over the data only) and 2 (CRC over the header's fields and the data). */
const READ_VERSIONS = [1, 2];
const HEADER_KEYS = ['format', 'version', 'colsX', 'colsY', 'symmetric', 'count', 'dtype', 'arrays'] as const;
const ARRAYS = ['shiftX', 'shiftY', 'sumX', 'sumY', 'moment'] as const;
const LITTLE = os.endianness() === 'LE';

let crcTable: Uint32Array | undefined;
/** CRC-32 of `bytes`, continued from `initial` (the CRC of what came before; 0 to start). */
function crc32(bytes: Uint8Array, initial = 0): number {
  const native = (zlib as unknown as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
  if (typeof native === 'function') return native(bytes, initial) >>> 0;
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = (initial ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The checksum a version-2 file carries: over the header's fields (canonical JSON), then the data. */
function stateChecksum(header: Record<string, unknown>, data: Uint8Array): string {
  const fields = JSON.stringify(Object.fromEntries(HEADER_KEYS.map((k) => [k, header[k]])));
  return crc32(data, crc32(Buffer.from(fields, 'utf8'))).toString(16).padStart(8, '0');
}

function lengths(colsX: number, colsY: number): number[] {
  return [colsX, colsY, colsX, colsY, colsX * colsY];
}

/** Encodes a state as the bytes of a `.cov` file (see the module comment for the layout). */
export function encodeAccumulatorState(state: AccumulatorState): Uint8Array {
  checkShapeFields(state, (why) => {
    throw new AccumulatorStateError(`invalid state: ${why}`);
  });
  const sizes = lengths(state.colsX, state.colsY);
  ARRAYS.forEach((name, k) => {
    const a = state[name];
    if (Object.prototype.toString.call(a) !== '[object Float64Array]' || a.length !== sizes[k]) {  // any realm's Float64Array
      throw new AccumulatorStateError(`state.${name} must be a Float64Array of ${sizes[k]} values, got ${a?.length} values`);
    }
  });
  const dataBytes = 8 * sizes.reduce((a, b) => a + b, 0);
  const data = allocate(Uint8Array, dataBytes, 'the state');
  const view = new DataView(data.buffer);
  let offset = 0;
  ARRAYS.forEach((name) => {
    const a = state[name];
    if (LITTLE) data.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
    else for (let i = 0; i < a.length; i++) view.setFloat64(offset + 8 * i, a[i], true);
    offset += a.byteLength;
  });
  const fields = {
    format: 'covlasso-accumulator',
    version: VERSION,
    colsX: state.colsX,
    colsY: state.colsY,
    symmetric: state.symmetric,
    count: state.count,
    dtype: '<f8',
    arrays: ARRAYS,
  };
  const header = { ...fields, crc32: stateChecksum(fields, data) };
  const json = JSON.stringify(header);
  const total = Math.ceil((PREFIX + Buffer.byteLength(json) + 1) / ALIGN) * ALIGN;
  const headerLength = total - PREFIX;
  const out = allocate(Uint8Array, total + dataBytes, 'the state file');
  out.set(Buffer.from(MAGIC, 'ascii'), 0);
  new DataView(out.buffer).setUint32(12, headerLength, true);
  const text = json + ' '.repeat(headerLength - Buffer.byteLength(json) - 1) + '\n';
  out.set(Buffer.from(text, 'utf8'), PREFIX);
  out.set(data, total);
  return out;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The checks of a state's shape fields, shared by encoding and decoding; `fail` throws. */
function checkShapeFields(h: { colsX?: unknown; colsY?: unknown; symmetric?: unknown; count?: unknown }, fail: (why: string) => never): void {
  const { colsX, colsY, symmetric, count } = h;
  if (!isCount(colsX) || colsX < 1 || !isCount(colsY) || colsY < 1) fail('colsX/colsY must be positive integers');
  if (typeof symmetric !== 'boolean') fail('symmetric must be a boolean');
  if (symmetric && colsX !== colsY) fail(`a symmetric state needs colsX == colsY (got ${String(colsX)} and ${String(colsY)})`);
  if (!isCount(count)) fail('count must be a non-negative integer');
}

/**
 * The header of a state file from its first bytes (at least the prefix and the header; the file
 * is `fileLength` bytes): magic, version and every field checked, but not the checksum, which
 * covers the data too. `fail` throws.
 */
function parseStateHeader(bytes: Uint8Array, fileLength: number, fail: (why: string) => never): { h: Record<string, unknown>; headerLength: number } {
  if (bytes.length < PREFIX || Buffer.from(bytes.buffer, bytes.byteOffset, MAGIC.length).toString('latin1') !== MAGIC) {
    if (bytes.length < PREFIX && MAGIC.startsWith(Buffer.from(bytes).toString('latin1'))) fail('truncated file (no header)');
    fail(`not a covlasso accumulator state file (the magic "${MAGIC}" is missing)`);
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(12, true);
  if (PREFIX + headerLength > fileLength || PREFIX + headerLength > bytes.length) {
    fail(`truncated file: the header needs ${PREFIX + headerLength} bytes, the file has ${fileLength}`);
  }
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + PREFIX, headerLength).toString('utf8')) as Record<string, unknown>;
  } catch {
    return fail('corrupted header (not valid JSON)');
  }
  if (h === null || typeof h !== 'object' || h.format !== 'covlasso-accumulator') fail('corrupted header (format is not "covlasso-accumulator")');
  if (!READ_VERSIONS.includes(h.version as number)) {
    fail(`unsupported state version ${JSON.stringify(h.version)} (this covlasso reads versions ${READ_VERSIONS.join(' and ')})`);
  }
  if (h.version === 2) {
    const unknown = Object.keys(h).filter((k) => k !== 'crc32' && !(HEADER_KEYS as readonly string[]).includes(k));
    if (unknown.length > 0) fail(`corrupted header (unknown field ${JSON.stringify(unknown[0])})`);
  }
  checkShapeFields(h, (why) => fail(`corrupted header (${why})`));
  if (h.dtype !== '<f8') fail(`unsupported dtype ${JSON.stringify(h.dtype)} (expected "<f8")`);
  if (JSON.stringify(h.arrays) !== JSON.stringify(ARRAYS)) fail(`unsupported array list ${JSON.stringify(h.arrays)}`);
  if (typeof h.crc32 !== 'string' || !/^[0-9a-f]{8}$/.test(h.crc32)) fail('corrupted header (crc32 must be 8 hex digits)');
  return { h, headerLength };
}

/** The shape fields of a state file's header. */
export interface AccumulatorStateShape {
  colsX: number;
  colsY: number;
  symmetric: boolean;
  count: number;
}

/**
 * The shape of the `.cov` state at `path` from its header alone (a few hundred bytes, whatever
 * the file's size): for checking arguments against a state before loading it. The checksum is
 * not verified here (it covers the data): loading the state does that.
 * @throws AccumulatorStateError (`ERR_COVLASSO_STATE_FORMAT`) for a file whose header is malformed
 */
export async function readAccumulatorStateShape(path: string): Promise<AccumulatorStateShape> {
  const fail = (why: string): never => {
    throw new AccumulatorStateError(`${path}: ${why}`);
  };
  const fh = await fs.promises.open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const prefix = new Uint8Array(Math.min(PREFIX, size));
    await readFully(fh, prefix, 0);
    if (prefix.length < PREFIX) parseStateHeader(prefix, size, fail);
    const headerLength = new DataView(prefix.buffer).getUint32(12, true);
    if (PREFIX + headerLength > size) fail(`truncated file: the header needs ${PREFIX + headerLength} bytes, the file has ${size}`);
    if (headerLength > 1 << 20) fail(`corrupted header (${headerLength} bytes long: headers are a few hundred)`);
    const bytes = new Uint8Array(PREFIX + headerLength);
    await readFully(fh, bytes, 0);
    const { h } = parseStateHeader(bytes, size, fail);
    return { colsX: h.colsX as number, colsY: h.colsY as number, symmetric: h.symmetric as boolean, count: h.count as number };
  } finally {
    await fh.close();
  }
}

/**
 * Decodes the bytes of a `.cov` file. Checks magic, version, header fields, the exact length
 * and the checksum; values are validated again when the state is loaded into an accumulator.
 * @param what - names the source in error messages (e.g. the path)
 * @throws AccumulatorStateError (`ERR_COVLASSO_STATE_FORMAT`) for anything malformed
 */
export function decodeAccumulatorState(bytes: Uint8Array, what = 'accumulator state'): AccumulatorState {
  const fail = (why: string): never => {
    throw new AccumulatorStateError(`${what}: ${why}`);
  };
  const { h, headerLength } = parseStateHeader(bytes, bytes.length, fail);
  const { colsX, colsY, symmetric, count, crc32: crc } = h;
  const sizes = lengths(colsX as number, colsY as number);
  const expected = 8 * sizes.reduce((a, b) => a + b, 0);
  const start = PREFIX + headerLength;
  const available = bytes.length - start;
  if (available < expected) fail(`truncated file: ${colsX}x${colsY} needs ${expected} data bytes, ${available} present`);
  if (available > expected) fail(`${available - expected} unexpected bytes after the data`);
  // A fresh, aligned copy (Buffer#slice would be a view, hence Uint8Array's slice).
  const data = Uint8Array.prototype.slice.call(bytes, start, start + expected);
  const sum = h.version === 1 ? crc32(data).toString(16).padStart(8, '0') : stateChecksum(h, data);
  if (sum !== crc) fail(h.version === 1 ? 'corrupted data (checksum mismatch)' : 'corrupted header or data (checksum mismatch)');
  const view = new DataView(data.buffer);
  const arrays: Float64Array[] = [];
  let offset = 0;
  for (const n of sizes) {
    let a: Float64Array;
    if (LITTLE) a = new Float64Array(data.buffer, offset, n);
    else {
      a = allocate(Float64Array, n, 'the state');
      for (let i = 0; i < n; i++) a[i] = view.getFloat64(offset + 8 * i, true);
    }
    arrays.push(a);
    offset += 8 * n;
  }
  const [shiftX, shiftY, sumX, sumY, moment] = arrays;
  return { colsX: colsX as number, colsY: colsY as number, symmetric: symmetric as boolean, count: count as number, shiftX, shiftY, sumX, sumY, moment };
}

/** Writes a state file atomically (a temporary file renamed over `path`). */
export async function writeAccumulatorState(path: string, state: AccumulatorState): Promise<void> {
  const bytes = encodeAccumulatorState(state);
  await writeAtomically(path, (tmp) => writeChunks(tmp, [bytes]));
}

/** Synchronous twin of {@link writeAccumulatorState}. */
export function writeAccumulatorStateSync(path: string, state: AccumulatorState): void {
  writeAtomicallySync(path, encodeAccumulatorState(state));
}

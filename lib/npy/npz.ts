/**
 * Reading NumPy `.npz` archives (what `numpy.savez` and `numpy.savez_compressed` write): a zip
 * file whose members are `.npy` files, `name.npy` for the array saved as `name`.
 *
 * Members may be stored or deflated (inflated with `node:zlib`'s `inflateRawSync`, bounded by
 * the size the archive declares); zip64 records (which numpy writes for every member) are read;
 * every member's CRC-32 and sizes are checked. Anything else, and every forged or inconsistent
 * archive, raises {@link NpzFormatError} (`code === 'ERR_COVLASSO_NPZ_FORMAT'`), never a crash.
 *
 * @module
 */

import * as zlib from 'node:zlib';

import { CovlassoTypeError, NpyFormatError, NpzFormatError } from '../runtime/errors';
import type { NpyReadOptions } from './header';
import { NpyArray, parseNpy } from './io';
import { readWholeFile, readWholeFileSync } from '../runtime/file-io';

/** Options of {@link readNpz} and {@link parseNpz}. */
export interface NpzReadOptions extends NpyReadOptions {
  /**
   * The arrays to decode (names as `numpy.savez` was given them, without `.npy`); default all.
   * A name the archive does not hold is an {@link NpzFormatError} that lists those it does.
   */
  names?: readonly string[];
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;

/** One member, as the central directory (and its zip64 extra field) describes it. */
interface Entry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function fail(message: string, cause?: unknown): never {
  throw new NpzFormatError(`Malformed .npz archive: ${message}`, cause);
}

/** Little-endian reads that never run past `bytes` (a forged offset is an NpzFormatError). */
class Reader {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private check(at: number, n: number, what: string): void {
    if (!(at >= 0 && at + n <= this.bytes.length)) fail(`${what} at offset ${at} runs past the end of the file (${this.bytes.length} bytes)`);
  }
  u16(at: number, what: string): number {
    this.check(at, 2, what);
    return this.view.getUint16(at, true);
  }
  u32(at: number, what: string): number {
    this.check(at, 4, what);
    return this.view.getUint32(at, true);
  }
  u64(at: number, what: string): number {
    this.check(at, 8, what);
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${what} (${v}) is too large`);
    return Number(v);
  }
  slice(at: number, n: number, what: string): Uint8Array {
    this.check(at, n, what);
    return this.bytes.subarray(at, at + n);
  }
}

/** The end-of-central-directory record: where the directory is and how many entries it has. */
function findDirectory(r: Reader): { offset: number; size: number; entries: number; end: number } {
  const n = r.bytes.length;
  if (n < EOCD_SIZE) fail(n === 0 ? 'the file is empty' : `not a zip file (${n} bytes, no end-of-central-directory record)`);
  let at = -1;
  // The record is the last 22 bytes, or followed by a comment of the length it declares.
  for (let p = n - EOCD_SIZE; p >= Math.max(0, n - EOCD_SIZE - MAX_COMMENT); p--) {
    if (r.u32(p, 'the end record') === EOCD && p + EOCD_SIZE + r.u16(p + 20, 'the comment length') === n) {
      at = p;
      break;
    }
  }
  if (at < 0) fail('not a zip file (no end-of-central-directory record)');
  const disk = r.u16(at + 4, 'the disk number');
  const cdDisk = r.u16(at + 6, 'the directory disk');
  let diskEntries = r.u16(at + 8, 'the entry count');
  let entries = r.u16(at + 10, 'the entry count');
  let size = r.u32(at + 12, 'the directory size');
  let offset = r.u32(at + 16, 'the directory offset');
  let end = at;
  if (entries === 0xffff || diskEntries === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    // zip64: the locator sits just before the end record and points at the zip64 end record.
    const loc = at - 20;
    if (loc < 0 || r.u32(loc, 'the zip64 locator') !== ZIP64_LOCATOR) fail('the end record says zip64 but there is no zip64 locator');
    const z = r.u64(loc + 8, 'the zip64 end record offset');
    if (z + 56 > loc || r.u32(z, 'the zip64 end record') !== ZIP64_EOCD) fail(`no zip64 end record at offset ${z}`);
    if (r.u32(z + 16, 'the zip64 disk number') !== 0 || r.u32(z + 20, 'the zip64 directory disk') !== 0) fail('multi-disk archives are not supported');
    diskEntries = r.u64(z + 24, 'the zip64 entry count');
    entries = r.u64(z + 32, 'the zip64 entry count');
    size = r.u64(z + 40, 'the zip64 directory size');
    offset = r.u64(z + 48, 'the zip64 directory offset');
    end = z;
  } else if (disk !== 0 || cdDisk !== 0) {
    fail('multi-disk archives are not supported');
  }
  if (diskEntries !== entries) fail('multi-disk archives are not supported');
  if (offset + size > end) fail(`the central directory (offset ${offset}, ${size} bytes) overlaps the end record at ${end}`);
  // Each entry takes at least 46 bytes: a forged count cannot make us loop for long.
  if (entries * CENTRAL_SIZE > size) fail(`${entries} entries do not fit in a ${size}-byte central directory`);
  return { offset, size, entries, end: offset + size };
}

/** The zip64 extended-information extra field (id 1): the 64-bit values of the fields saturated at 0xFFFFFFFF. */
function zip64Values(r: Reader, extraAt: number, extraLength: number, wanted: boolean[], what: string): number[] {
  const values: number[] = [];
  let p = extraAt;
  const end = extraAt + extraLength;
  while (p + 4 <= end) {
    const id = r.u16(p, `${what}'s extra field`);
    const length = r.u16(p + 2, `${what}'s extra field`);
    if (p + 4 + length > end) fail(`${what}'s extra field runs past its declared length`);
    if (id === 1) {
      let q = p + 4;
      for (const want of wanted) {
        if (!want) continue;
        if (q + 8 > p + 4 + length) fail(`${what}'s zip64 extra field is too short`);
        values.push(r.u64(q, `${what}'s zip64 extra field`));
        q += 8;
      }
      return values;
    }
    p += 4 + length;
  }
  if (wanted.some(Boolean)) fail(`${what} needs a zip64 extra field and has none`);
  return values;
}

function readDirectory(r: Reader): { entries: Entry[]; offset: number } {
  const dir = findDirectory(r);
  const out: Entry[] = [];
  let p = dir.offset;
  for (let i = 0; i < dir.entries; i++) {
    const what = `central directory entry ${i}`;
    if (p + CENTRAL_SIZE > dir.end || r.u32(p, what) !== CENTRAL) fail(`${what} (offset ${p}) is not a central directory header`);
    const flags = r.u16(p + 8, what);
    const method = r.u16(p + 10, what);
    const crc = r.u32(p + 16, what);
    let compressedSize = r.u32(p + 20, what);
    let size = r.u32(p + 24, what);
    const nameLength = r.u16(p + 28, what);
    const extraLength = r.u16(p + 30, what);
    const commentLength = r.u16(p + 32, what);
    let localOffset = r.u32(p + 42, what);
    const next = p + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > dir.end) fail(`${what} runs past the end of the central directory`);
    const nameBytes = r.slice(p + CENTRAL_SIZE, nameLength, what);
    const name = Buffer.from(nameBytes.buffer, nameBytes.byteOffset, nameBytes.length).toString(flags & 0x800 ? 'utf8' : 'latin1');
    const saturated = [size === 0xffffffff, compressedSize === 0xffffffff, localOffset === 0xffffffff];
    const big = zip64Values(r, p + CENTRAL_SIZE + nameLength, extraLength, saturated, `${what} (${JSON.stringify(name)})`);
    if (saturated[0]) size = big.shift()!;
    if (saturated[1]) compressedSize = big.shift()!;
    if (saturated[2]) localOffset = big.shift()!;
    out.push({ name, method, flags, crc, compressedSize, size, localOffset });
    p = next;
  }
  return { entries: out, offset: dir.offset };
}

/** Where a member's data lies, checked against its local header. */
function dataRange(r: Reader, e: Entry, directoryStart: number): { start: number; end: number } {
  const what = `member ${JSON.stringify(e.name)}`;
  if (e.localOffset + LOCAL_SIZE > directoryStart || r.u32(e.localOffset, what) !== LOCAL) {
    fail(`${what}: no local header at offset ${e.localOffset}`);
  }
  const method = r.u16(e.localOffset + 8, what);
  const nameLength = r.u16(e.localOffset + 26, what);
  const extraLength = r.u16(e.localOffset + 28, what);
  const nameBytes = r.slice(e.localOffset + LOCAL_SIZE, nameLength, what);
  const name = Buffer.from(nameBytes.buffer, nameBytes.byteOffset, nameBytes.length).toString(e.flags & 0x800 ? 'utf8' : 'latin1');
  if (name !== e.name || method !== e.method) fail(`${what}: the local header (${JSON.stringify(name)}, method ${method}) disagrees with the central directory`);
  const start = e.localOffset + LOCAL_SIZE + nameLength + extraLength;
  const end = start + e.compressedSize;
  if (end > directoryStart) fail(`${what}: its ${e.compressedSize} bytes of data at offset ${start} run into the central directory at ${directoryStart}`);
  return { start, end };
}

let crcTable: Int32Array | undefined;

/** CRC-32 (zip's polynomial): node:zlib's where Node has it (≥ 20.15), else a table. */
function crc32(data: Uint8Array): number {
  const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
  if (native) return native(data) >>> 0;
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let c = -1;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** The uncompressed bytes of a member, size and CRC checked. */
function memberBytes(r: Reader, e: Entry, directoryStart: number): Uint8Array {
  const what = `member ${JSON.stringify(e.name)}`;
  if (e.flags & 0x1) throw new NpzFormatError(`Unsupported .npz archive: ${what} is encrypted`);
  const { start, end } = dataRange(r, e, directoryStart);
  const raw = r.bytes.subarray(start, end);
  let bytes: Uint8Array;
  if (e.method === 0) {
    if (e.compressedSize !== e.size) fail(`${what} is stored but its sizes differ (${e.compressedSize} and ${e.size})`);
    bytes = raw;
  } else if (e.method === 8) {
    try {
      // Bounded by the declared size: a deflate bomb cannot allocate more than the archive says.
      bytes = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) });
    } catch (error) {
      fail(`${what}: its deflated data is corrupt or longer than the declared ${e.size} bytes (${(error as Error).message})`, error);
    }
    if (bytes.length !== e.size) fail(`${what} inflates to ${bytes.length} bytes, the archive declares ${e.size}`);
  } else {
    throw new NpzFormatError(`Unsupported .npz archive: ${what} uses compression method ${e.method} (supported: 0 stored, 8 deflated)`);
  }
  const got = crc32(bytes);
  if (got !== e.crc) fail(`${what}: CRC-32 mismatch (computed ${hex(got)}, the archive says ${hex(e.crc)})`);
  return bytes;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/**
 * Decodes the arrays of a `.npz` archive held in memory.
 *
 * @param bytes The whole archive (a `Buffer` works).
 * @param options Which arrays to decode (`names`, default all) and how to read 2-byte void data.
 * @returns The arrays by name (the member names without `.npy`), in a null-prototype object. A
 *   stored member's data is a view on `bytes` when it is aligned, as with {@link parseNpy}.
 * @throws {NpzFormatError} a zip file that is malformed, forged, truncated, encrypted, uses
 *   another compression method, fails its CRC-32, holds a member twice or not the one asked
 *   for, or holds a member that is not a `.npy` file (the NpyFormatError is its `cause`).
 * @throws {CovlassoTypeError} `bytes` is not a Uint8Array, or `names` is not an array of strings.
 * @example
 * const { logits, labels } = parseNpz(fs.readFileSync('run.npz'));
 */
export function parseNpz(bytes: Uint8Array, options: NpzReadOptions = {}): Record<string, NpyArray> {
  if (!(bytes instanceof Uint8Array)) {
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'parseNpz() expects a Uint8Array or Buffer');
  }
  const { names } = options;
  if (names !== undefined && (!Array.isArray(names) || !names.every((n) => typeof n === 'string'))) {
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'names must be an array of strings');
  }
  const r = new Reader(bytes);
  const { entries, offset: directoryStart } = readDirectory(r);
  const byName = new Map<string, Entry>();
  for (const e of entries) {
    const key = e.name.endsWith('.npy') ? e.name.slice(0, -4) : e.name;
    if (byName.has(key)) fail(`it holds ${JSON.stringify(key)} twice`);
    byName.set(key, e);
  }
  // Members must not overlap (a forged directory could point two entries at the same bytes).
  const sorted = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = dataRange(r, sorted[i - 1], directoryStart);
    if (sorted[i].localOffset < prev.end) fail(`members ${JSON.stringify(sorted[i - 1].name)} and ${JSON.stringify(sorted[i].name)} overlap`);
  }
  const wanted = names ?? [...byName.keys()];
  const out: Record<string, NpyArray> = Object.create(null) as Record<string, NpyArray>;
  for (const name of wanted) {
    const e = byName.get(name);
    if (!e) {
      const have = [...byName.keys()];
      throw new NpzFormatError(`The .npz archive holds no array ${JSON.stringify(name)} (it holds ${have.length ? have.map((n) => JSON.stringify(n)).join(', ') : 'none'})`);
    }
    const member = memberBytes(r, e, directoryStart);
    try {
      out[name] = parseNpy(member, options);
    } catch (error) {
      if (!(error instanceof NpyFormatError)) throw error;
      throw new NpzFormatError(`Malformed .npz archive: member ${JSON.stringify(e.name)} is not a readable .npy file: ${error.message}`, error);
    }
  }
  return out;
}

/**
 * Reads the arrays of a `.npz` archive (`numpy.savez` / `numpy.savez_compressed`): the whole
 * file into memory, then {@link parseNpz}.
 *
 * @param path File path.
 * @param options Which arrays to decode (`names`, default all) and how to read 2-byte void data.
 * @returns The arrays by name, e.g. `{ logits, labels }` for `numpy.savez(f, logits=…, labels=…)`.
 * @throws {NpzFormatError} see {@link parseNpz}. A missing file rejects with Node's own `ENOENT` error.
 * @example
 * const { logits } = await readNpz('run.npz', { names: ['logits'] });
 * if (logits.dtype === 'float32') console.log(logits.shape, logits.data[0]);
 */
export async function readNpz(path: string, options: NpzReadOptions = {}): Promise<Record<string, NpyArray>> {
  return parseNpz(await readWholeFile(path, NpzFormatError), options);
}

/**
 * Synchronous twin of {@link readNpz}.
 *
 * @param path File path.
 * @param options See {@link readNpz}.
 * @returns The arrays by name.
 * @throws {NpzFormatError} see {@link parseNpz}. A missing file throws Node's own `ENOENT` error.
 */
export function readNpzSync(path: string, options: NpzReadOptions = {}): Record<string, NpyArray> {
  return parseNpz(readWholeFileSync(path, NpzFormatError), options);
}

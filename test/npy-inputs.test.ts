/**
 * Inputs beyond float32/float64 .npy: float16 and bfloat16 files (widened exactly to float32),
 * .npz archives (stored and deflated members, zip64 records, CRC-32 checked), forged archives
 * (typed NpzFormatError, never a crash), and asMatrix over tensors (onnxruntime-node's
 * `{ dims, data }`, tfjs's `shape` + `dataSync()`) without a copy.
 *
 * Cross-checked against numpy twice: the committed fixtures of test/fixtures/npy/ (made by
 * numpy, see make.py there), and, where /usr/bin/python3 has numpy, files numpy writes now.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { asMatrix, CovlassoError, covarianceFromNpy, covarianceSync, findDependencies, findDependenciesFromNpy, Matrix, NpyFormatError, NpzFormatError, parseNpy, parseNpz, readNpy, readNpyHeader, readNpyRows, readNpySync, readNpz, readNpzSync } from '../lib';
import type { NpyArray } from '../lib';
import { CHILD_PROCESS_TEST_TIMEOUT, numpyAvailable, PYTHON, sameBytes } from './support/helpers';

jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

const fixtures = path.join(__dirname, 'fixtures', 'npy');
const fixture = (name: string): string => path.join(fixtures, name);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-npy-inputs-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function float32(a: NpyArray): Float32Array {
  if (a.dtype !== 'float32') throw new Error(`expected float32, got ${a.dtype}`);
  return a.data;
}

function errorOf(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

function expectNpzError(call: () => unknown, message?: RegExp): NpzFormatError {
  const error = errorOf(call);
  expect(error).toBeInstanceOf(NpzFormatError);
  expect((error as NpzFormatError).code).toBe('ERR_COVLASSO_NPZ_FORMAT');
  if (message) expect((error as Error).message).toMatch(message);
  return error as NpzFormatError;
}

/** The float32 value of float16 bits, by the definition (independent of lib/runtime/half.ts). */
function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

describe('float16 and bfloat16 .npy files (committed numpy fixtures)', () => {
  it('float16 (<f2) is widened to float32 bit for bit as numpy.astype(float32) does', () => {
    const half = readNpySync(fixture('float16.npy'));
    const twin = readNpySync(fixture('float16-as-f4.npy'));
    expect(half).toMatchObject({ dtype: 'float32', widenedFrom: 'float16', shape: [6, 12] });
    expect(twin.widenedFrom).toBeUndefined();
    expect(sameBytes(float32(half), float32(twin))).toBe(true);
    expect(Array.from(float32(half).subarray(0, 11))).toEqual([0, -0, 1, -2.5, 65504, -65504, 2 ** -24, 2 ** -14, Math.fround(halfValue(0x2e66)), Infinity, -Infinity]);
    expect(Number.isNaN(float32(half)[11])).toBe(true);
  });

  it('every one of the 65536 float16 bit patterns widens to its value', () => {
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const header = `{'descr': '<f2', 'fortran_order': False, 'shape': (65536,), }`;
    const bytes = npyBytes(header, new Uint8Array(bits.buffer));
    const got = float32(parseNpy(bytes));
    for (let h = 0; h < 65536; h++) {
      const want = halfValue(h);
      if (Number.isNaN(want)) expect(Number.isNaN(got[h])).toBe(true);
      else expect(Object.is(got[h], want)).toBe(true);
    }
  });

  it("bfloat16 as numpy.save writes it for ml_dtypes ('|V2'/'<V2') is read with { void2: 'bfloat16' }, refused without", () => {
    const error = errorOf(() => readNpySync(fixture('bfloat16-v2.npy')));
    expect(error).toBeInstanceOf(NpyFormatError);
    expect((error as Error).message).toMatch(/void2: 'bfloat16'/);
    const b = readNpySync(fixture('bfloat16-v2.npy'), { void2: 'bfloat16' });
    expect(b).toMatchObject({ dtype: 'float32', widenedFrom: 'bfloat16', shape: [3, 4] });
    expect(sameBytes(float32(b), float32(readNpySync(fixture('bfloat16-as-f4.npy'))))).toBe(true);
    // '<V2' (ml_dtypes' own dtype.str) and the descr name 'bfloat16' read the same.
    const data = fs.readFileSync(fixture('bfloat16-v2.npy'));
    const body = data.subarray(data.length - 24);
    for (const descr of ['<V2', 'bfloat16']) {
      const again = parseNpy(npyBytes(`{'descr': '${descr}', 'fortran_order': False, 'shape': (3, 4), }`, body), { void2: 'bfloat16' });
      expect(sameBytes(float32(again), float32(b))).toBe(true);
    }
    expect(parseNpy(npyBytes(`{'descr': 'bfloat16', 'fortran_order': False, 'shape': (3, 4), }`, body)).widenedFrom).toBe('bfloat16');
  });

  it('readNpy, readNpyHeader and readNpyRows read 16-bit files too', async () => {
    expect((await readNpyHeader(fixture('float16.npy'))).dtype).toBe('float16');
    expect((await readNpyHeader(fixture('bfloat16-v2.npy'), { void2: 'bfloat16' })).dtype).toBe('bfloat16');
    const all = float32(await readNpy(fixture('float16.npy')));
    const rows = await readNpyRows(fixture('float16.npy'), [2, 4]);
    expect(rows).toMatchObject({ dtype: 'float32', widenedFrom: 'float16', shape: [2, 12] });
    expect(sameBytes(float32(rows), all.subarray(24, 48))).toBe(true);
    const brows = await readNpyRows(fixture('bfloat16-v2.npy'), [1, 2], { void2: 'bfloat16' });
    expect(sameBytes(float32(brows), float32(readNpySync(fixture('bfloat16-as-f4.npy'))).subarray(4, 8))).toBe(true);
  });

  it('a widened file feeds a Matrix without a cast', () => {
    const a = readNpySync(fixture('float16-as-f4.npy'));
    if (a.dtype !== 'float32') throw new Error('float32 expected');
    const m = new Matrix(a.shape[0], a.shape[1], a.data);
    expect(m.get(0, 2)).toBe(1);
  });
});

describe('16-bit logits streamed (covarianceFromNpy, findDependenciesFromNpy)', () => {
  /** n × c 16-bit logits: finite values of either format, from a fixed seed. */
  function logits16(file: string, descr: string, n: number, c: number): void {
    let seed = 99;
    const bits = new Uint16Array(n * c);
    for (let i = 0; i < bits.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      // sign, an exponent around 1, random mantissa: finite in both float16 and bfloat16
      bits[i] = descr === '<f2' ? ((seed & 1) << 15) | ((13 + ((seed >> 1) % 4)) << 10) | ((seed >> 3) & 0x3ff) : ((seed & 1) << 15) | ((125 + ((seed >> 1) % 4)) << 7) | ((seed >> 3) & 0x7f);
    }
    fs.writeFileSync(file, npyBytes(`{'descr': '${descr}', 'fortran_order': False, 'shape': (${n}, ${c}), }`, new Uint8Array(bits.buffer)));
  }

  for (const [descr, options] of [['<f2', {}], ['<V2', { void2: 'bfloat16' as const }]] as const) {
    it(`${descr}: in chunks of 4096 rows, bitwise the covariance of the widened file read whole`, async () => {
      const file = path.join(tmp, `stream-${descr.slice(1)}.npy`);
      logits16(file, descr, 10_000, 24);
      const whole = float32(readNpySync(file, options));
      const want = covarianceSync(new Matrix(10_000, 24, whole), { productPrecision: 'float64' });
      const got = await covarianceFromNpy(file, { ...options, chunkRows: 4096, productPrecision: 'float64' });
      expect(sameBytes(got.data, want.data)).toBe(true);
      const deps = await findDependenciesFromNpy(file, { ...options, rows: [0, 8000], lambdaRatio: 0.2 });
      const ref = await findDependencies(new Matrix(10_000, 24, whole), { rows: [0, 8000], lambdaRatio: 0.2 });
      expect(deps.targets.map((t) => t.objective)).toEqual(ref.targets.map((t) => t.objective));
    });
  }
});

/** A .npy file's bytes with the given header text (padded to 64) and data. */
function npyBytes(header: string, data: Uint8Array): Uint8Array {
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  const text = header + ' '.repeat(total - 10 - header.length - 1) + '\n';
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(Buffer.from(text, 'latin1'), 10);
  out.set(data, total);
  return out;
}

const LOGITS = Array.from({ length: 12 }, (_, i) => Math.fround((i - 3) * 1.25 + 0.1));
const LABELS = [0n, -3n, -6n, -9n, -12n];

describe('.npz archives (committed numpy fixtures)', () => {
  for (const name of ['arrays.npz', 'arrays-compressed.npz']) {
    it(`${name}: every array by name, equal to numpy's`, async () => {
      for (const arrays of [readNpzSync(fixture(name)), await readNpz(fixture(name))]) {
        expect(Object.keys(arrays)).toEqual(['logits', 'labels', 'half']);
        expect(Object.getPrototypeOf(arrays)).toBeNull();
        expect(arrays.logits).toMatchObject({ dtype: 'float32', shape: [3, 4] });
        expect(Array.from(float32(arrays.logits))).toEqual(LOGITS);
        expect(arrays.labels.dtype).toBe('int64');
        expect(Array.from(arrays.labels.data as BigInt64Array)).toEqual(LABELS);
        expect(arrays.half.widenedFrom).toBe('float16');
        expect(sameBytes(float32(arrays.half), float32(readNpySync(fixture('float16-as-f4.npy'))))).toBe(true);
      }
    });
  }

  it('{ names } decodes only those; a name not in the archive lists those that are', () => {
    const only = readNpzSync(fixture('arrays-compressed.npz'), { names: ['labels'] });
    expect(Object.keys(only)).toEqual(['labels']);
    expectNpzError(() => readNpzSync(fixture('arrays.npz'), { names: ['nope'] }), /"nope".*"logits", "labels", "half"/);
  });

  it('a missing file is Node\'s ENOENT; a non-buffer argument a CovlassoTypeError', async () => {
    await expect(readNpz(path.join(tmp, 'missing.npz'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(errorOf(() => parseNpz('x' as unknown as Uint8Array))).toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
  });
});

/* ------------------------------------------------------------------------------------------ */
/* Forged archives                                                                              */
/* ------------------------------------------------------------------------------------------ */

interface ZipMember {
  name: string;
  data: Uint8Array;
  method?: number;
  flags?: number;
  /** Overrides of what the central directory declares. */
  crc?: number;
  size?: number;
  compressedSize?: number;
  localName?: string;
  localOffset?: number;
}

/** CRC-32 (zip), written out here so the test does not trust the reader's. */
function crc32(data: Uint8Array): number {
  let c = ~0;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** A zip archive built by hand, with whatever fields a test forges. */
function buildZip(members: ZipMember[], opts: { entries?: number; cdOffset?: number; comment?: string; zip64?: boolean } = {}): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const offsets: number[] = [];
  for (const m of members) {
    const method = m.method ?? 0;
    const stored = method === 8 ? zlib.deflateRawSync(m.data) : Buffer.from(m.data);
    const name = Buffer.from(m.name);
    const localName = Buffer.from(m.localName ?? m.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(m.flags ?? 0, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc32(m.data), 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(m.data.length, 22);
    local.writeUInt16LE(localName.length, 26);
    offsets.push(offset);
    parts.push(local, localName, stored);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(m.flags ?? 0, 8);
    cd.writeUInt16LE(method, 10);
    cd.writeUInt32LE(m.crc ?? crc32(m.data), 16);
    cd.writeUInt32LE(m.compressedSize ?? stored.length, 20);
    cd.writeUInt32LE(m.size ?? m.data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(m.localOffset ?? offset, 42);
    let extra = Buffer.alloc(0);
    if (opts.zip64) {
      // Sizes and offset saturated, their 64-bit values in the zip64 extra field (id 1).
      extra = Buffer.alloc(4 + 24);
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(m.size ?? m.data.length), 4);
      extra.writeBigUInt64LE(BigInt(m.compressedSize ?? stored.length), 12);
      extra.writeBigUInt64LE(BigInt(m.localOffset ?? offset), 20);
      cd.writeUInt32LE(0xffffffff, 20);
      cd.writeUInt32LE(0xffffffff, 24);
      cd.writeUInt32LE(0xffffffff, 42);
      cd.writeUInt16LE(extra.length, 30);
    }
    central.push(cd, name, extra);
    offset += 30 + localName.length + stored.length;
  }
  const cdBytes = Buffer.concat(central);
  const comment = Buffer.from(opts.comment ?? '');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(opts.entries ?? members.length, 8);
  end.writeUInt16LE(opts.entries ?? members.length, 10);
  end.writeUInt32LE(cdBytes.length, 12);
  end.writeUInt32LE(opts.cdOffset ?? offset, 16);
  end.writeUInt16LE(comment.length, 20);
  if (!opts.zip64) return new Uint8Array(Buffer.concat([...parts, cdBytes, end, comment]));
  // zip64: the end record saturated, the zip64 end record and its locator before it.
  const entries = BigInt(opts.entries ?? members.length);
  const z = Buffer.alloc(56);
  z.writeUInt32LE(0x06064b50, 0);
  z.writeBigUInt64LE(44n, 4);
  z.writeUInt16LE(45, 12);
  z.writeUInt16LE(45, 14);
  z.writeBigUInt64LE(entries, 24);
  z.writeBigUInt64LE(entries, 32);
  z.writeBigUInt64LE(BigInt(cdBytes.length), 40);
  z.writeBigUInt64LE(BigInt(opts.cdOffset ?? offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(offset + cdBytes.length), 8);
  locator.writeUInt32LE(1, 16);
  end.writeUInt16LE(0xffff, 8);
  end.writeUInt16LE(0xffff, 10);
  end.writeUInt32LE(0xffffffff, 12);
  end.writeUInt32LE(0xffffffff, 16);
  return new Uint8Array(Buffer.concat([...parts, cdBytes, z, locator, end, comment]));
}

const npyOf = (values: number[]): Uint8Array => npyBytes(`{'descr': '<f8', 'fortran_order': False, 'shape': (${values.length},), }`, new Uint8Array(Float64Array.from(values).buffer));

describe('forged .npz archives: NpzFormatError (ERR_COVLASSO_NPZ_FORMAT), never a crash', () => {
  const a = npyOf([1, 2, 3]);
  const b = npyOf([4, 5]);

  it('the hand-built archive itself reads (stored and deflated, with a comment)', () => {
    const arrays = parseNpz(buildZip([{ name: 'a.npy', data: a }, { name: 'b.npy', data: b, method: 8 }], { comment: 'hello' }));
    expect(Array.from(arrays.a.data as Float64Array)).toEqual([1, 2, 3]);
    expect(Array.from(arrays.b.data as Float64Array)).toEqual([4, 5]);
  });

  const cases: Array<[string, () => Uint8Array, RegExp]> = [
    ['an empty file', () => new Uint8Array(0), /empty/],
    ['a .npy file, not a zip', () => a, /not a zip/],
    ['an archive cut short', () => buildZip([{ name: 'a.npy', data: a }]).subarray(0, 100), /not a zip/],
    ['a CRC-32 that does not match', () => buildZip([{ name: 'a.npy', data: a, crc: 0x12345678 }]), /CRC-32/],
    ['a flipped data byte of a deflated member', () => {
      const z = buildZip([{ name: 'a.npy', data: a, method: 8 }]);
      z[40] ^= 0xff;
      return z;
    }, /corrupt|CRC-32|inflates/],
    ['a central directory offset past the file', () => buildZip([{ name: 'a.npy', data: a }], { cdOffset: 1 << 30 }), /central directory/],
    ['an entry count larger than the directory', () => buildZip([{ name: 'a.npy', data: a }], { entries: 60000 }), /entries do not fit/],
    ['a compressed size running into the directory', () => buildZip([{ name: 'a.npy', data: a, compressedSize: 10_000, size: 10_000 }]), /run into the central directory/],
    ['a stored member whose sizes differ', () => buildZip([{ name: 'a.npy', data: a, size: a.length + 1 }]), /sizes differ/],
    ['a deflated member longer than declared (a bomb)', () => buildZip([{ name: 'a.npy', data: new Uint8Array(1 << 20), method: 8, size: 100 }]), /longer than the declared|inflates/],
    ['an unsupported compression method', () => buildZip([{ name: 'a.npy', data: a, method: 12 }]), /compression method 12/],
    ['an encrypted member', () => buildZip([{ name: 'a.npy', data: a, flags: 1 }]), /encrypted/],
    ['a local header that disagrees with the directory', () => buildZip([{ name: 'a.npy', data: a, localName: 'x.npy' }]), /disagrees/],
    ['a local offset that points at no local header', () => buildZip([{ name: 'a.npy', data: a, localOffset: 7 }]), /no local header/],
    ['two entries overlapping', () => buildZip([{ name: 'a.npy', data: a }, { name: 'b.npy', data: a, localOffset: 0, localName: 'a.npy' }]), /overlap|disagrees/],
    ['the same name twice', () => buildZip([{ name: 'a.npy', data: a }, { name: 'a.npy', data: b }]), /twice/],
    ['a member that is not a .npy file', () => buildZip([{ name: 'a.npy', data: Buffer.from('hello, world') }]), /not a readable \.npy/],
  ];
  for (const [name, make, message] of cases) {
    it(name, () => {
      expectNpzError(() => parseNpz(make()), message);
    });
  }

  it('a member that is not a .npy file keeps the NpyFormatError as its cause', () => {
    const error = expectNpzError(() => parseNpz(buildZip([{ name: 'x.npy', data: Buffer.from('hello') }])));
    expect(error.cause).toBeInstanceOf(NpyFormatError);
  });

  it('zip64 records (end record, locator, extra fields of sizes and offsets) are read', () => {
    const arrays = parseNpz(buildZip([{ name: 'a.npy', data: a }, { name: 'b.npy', data: b, method: 8 }], { zip64: true }));
    expect(Array.from(arrays.a.data as Float64Array)).toEqual([1, 2, 3]);
    expect(Array.from(arrays.b.data as Float64Array)).toEqual([4, 5]);
  });

  it('forged zip64 records: typed errors', () => {
    const forged = Buffer.from(buildZip([{ name: 'a.npy', data: a }], { zip64: true }));
    const locator = forged.length - 22 - 20;
    forged.writeBigUInt64LE(2n ** 40n, locator + 8); // the zip64 end record far past the file
    expectNpzError(() => parseNpz(forged), /zip64 end record/);
    const huge = Buffer.from(buildZip([{ name: 'a.npy', data: a }], { zip64: true }));
    const z = huge.length - 22 - 20 - 56;
    huge.writeBigUInt64LE(2n ** 62n, z + 40); // a directory size beyond any safe integer
    expectNpzError(() => parseNpz(huge), /too large/);
    const noExtra = Buffer.from(buildZip([{ name: 'a.npy', data: a }], { zip64: true }));
    const cd = noExtra.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    noExtra.writeUInt16LE(0x9999, cd + 46 + 5); // the extra field's id is no longer zip64's
    expectNpzError(() => parseNpz(noExtra), /zip64 extra field/);
  });

  it('an end record that says zip64 without a zip64 locator: a typed error', () => {
    const z = Buffer.from(buildZip([{ name: 'a.npy', data: a }]));
    const end = z.length - 22;
    z.writeUInt32LE(0xffffffff, end + 16); // the directory offset says "see zip64"
    expectNpzError(() => parseNpz(z), /zip64 locator/);
  });

  it('5000 random corruptions of numpy archives: each reads or is an NpzFormatError', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const codes = new Map<string, number>();
    for (const name of ['arrays.npz', 'arrays-compressed.npz']) {
      const good = fs.readFileSync(fixture(name));
      for (let trial = 0; trial < 2500; trial++) {
        const bad = Buffer.from(good);
        const flips = 1 + rand(4);
        for (let f = 0; f < flips; f++) bad[rand(bad.length)] = rand(256);
        const cut = rand(10) === 0 ? bad.subarray(0, rand(bad.length)) : bad;
        let code = 'read';
        try {
          parseNpz(cut);
        } catch (error) {
          if (!(error instanceof CovlassoError)) throw error;
          code = error.code;
        }
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    }
    expect([...codes.keys()].sort()).toEqual(expect.arrayContaining(['ERR_COVLASSO_NPZ_FORMAT']));
    expect([...codes.keys()].filter((c) => c !== 'read' && c !== 'ERR_COVLASSO_NPZ_FORMAT')).toEqual([]);
  });
});

/* ------------------------------------------------------------------------------------------ */
/* Live numpy                                                                                   */
/* ------------------------------------------------------------------------------------------ */

const HAS_NUMPY = numpyAvailable();
const itNumpy = HAS_NUMPY ? it : it.skip;

describe(`against numpy now${HAS_NUMPY ? '' : ' (SKIPPED: numpy is not importable by /usr/bin/python3)'}`, () => {
  itNumpy('savez / savez_compressed of float16, float32, float64, int32, int64 arrays (one over 64 KiB) equal the .npy numpy writes', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'np-'));
    execFileSync(
      PYTHON,
      [
        '-c',
        `
import sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(7)
arrays = {
    'logits': rng.standard_normal((300, 70)).astype(np.float32),
    'S': rng.standard_normal((9, 9)),
    'half': (rng.standard_normal((40, 25)) * 100).astype(np.float16),
    'labels': rng.integers(0, 70, 300).astype(np.int32),
    'ids': rng.integers(-2**40, 2**40, 17),
    'empty': np.zeros((0, 3), np.float32),
}
np.savez(f'{d}/stored.npz', **arrays)
np.savez_compressed(f'{d}/deflated.npz', **arrays)
for k, v in arrays.items():
    np.save(f'{d}/{k}.npy', v.astype(np.float32) if v.dtype == np.float16 else v)
`,
        dir,
      ],
      { stdio: 'inherit' },
    );
    for (const archive of ['stored.npz', 'deflated.npz']) {
      const arrays = readNpzSync(path.join(dir, archive));
      expect(Object.keys(arrays).sort()).toEqual(['S', 'empty', 'half', 'ids', 'labels', 'logits']);
      for (const [name, got] of Object.entries(arrays)) {
        const want = readNpySync(path.join(dir, `${name}.npy`));
        expect({ name, dtype: got.dtype, shape: got.shape }).toEqual({ name, dtype: want.dtype, shape: want.shape });
        expect(sameBytes(got.data, want.data)).toBe(true);
      }
      expect(arrays.half.widenedFrom).toBe('float16');
    }
  });

  itNumpy('all 65536 float16 values: our widening equals numpy astype(float32), bit for bit', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'np-half-'));
    execFileSync(PYTHON, ['-c', 'import sys, numpy as np\nh = np.arange(65536, dtype=np.uint16).view(np.float16)\nnp.save(sys.argv[1] + "/h.npy", h)\nnp.save(sys.argv[1] + "/f.npy", h.astype(np.float32))', dir]);
    expect(sameBytes(float32(readNpySync(path.join(dir, 'h.npy'))), float32(readNpySync(path.join(dir, 'f.npy'))))).toBe(true);
  });
});

/* ------------------------------------------------------------------------------------------ */
/* asMatrix over tensors                                                                        */
/* ------------------------------------------------------------------------------------------ */

describe('asMatrix over tensors of other libraries', () => {
  it('onnxruntime-node style { dims, data, type }: a Matrix over the same buffer (no copy)', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const ortTensor = { dims: [2, 3] as readonly number[], data, type: 'float32', size: 6, location: 'cpu' };
    const m = asMatrix(ortTensor);
    expect(m).toBeInstanceOf(Matrix);
    expect(m.data).toBe(data);
    expect(m.shape).toEqual([2, 3]);
    expect(covarianceSync(m).get(0, 0)).toBeCloseTo((1 + 16) / 2, 12);
  });

  it('{ shape, data } (float64), and a tfjs-style tensor through dataSync(): the same buffer', () => {
    const f64 = new Float64Array(12).map((_, i) => i);
    expect(asMatrix({ shape: [4, 3], data: f64 }).data).toBe(f64);
    const backing = new Float32Array(6).fill(2);
    const tfTensor = { shape: [3, 2], dtype: 'float32', data: async () => backing, dataSync: () => backing };
    const m = asMatrix(tfTensor);
    expect(m.data).toBe(backing);
    expect(m.shape).toEqual([3, 2]);
  });

  it('a subarray view stays a view (same ArrayBuffer and offset)', () => {
    const big = new Float32Array(100);
    const view = big.subarray(10, 16);
    const m = asMatrix({ dims: [3, 2], data: view });
    expect(m.data.buffer).toBe(big.buffer);
    expect(m.data.byteOffset).toBe(40);
  });

  it('a float16 onnxruntime tensor (Uint16Array, type float16) is widened into a new Float32Array', () => {
    const bits = new Uint16Array([0x3c00, 0xc100, 0x0001, 0x7c00]); // 1, -2.5, 2^-24, +inf
    const m = asMatrix({ dims: [2, 2], data: bits, type: 'float16' });
    expect(Array.from(m.data)).toEqual([1, -2.5, 2 ** -24, Infinity]);
  });

  it('typed errors: not 2-d, sizes that disagree, other element types, a data() method alone', () => {
    expect(errorOf(() => asMatrix({ dims: [6], data: new Float32Array(6) }, 'logits'))).toMatchObject({ code: 'ERR_COVLASSO_SHAPE_MISMATCH', message: expect.stringMatching(/^logits: .*2-d/) });
    expect(errorOf(() => asMatrix({ dims: [1, 2, 3], data: new Float32Array(6) }))).toMatchObject({ code: 'ERR_COVLASSO_SHAPE_MISMATCH' });
    expect(errorOf(() => asMatrix({ dims: [2, 2], data: new Float32Array(6) }))).toMatchObject({ code: 'ERR_COVLASSO_SHAPE_MISMATCH' });
    expect(errorOf(() => asMatrix({ dims: [2, 3], data: new Int32Array(6), type: 'int32' }))).toMatchObject({ code: 'ERR_COVLASSO_INVALID_DTYPE', message: expect.stringContaining('int32') });
    expect(errorOf(() => asMatrix({ shape: [2, 3], data: async () => new Float32Array(6) }))).toMatchObject({ code: 'ERR_COVLASSO_INVALID_DTYPE', message: expect.stringContaining('dataSync') });
    expect(errorOf(() => asMatrix(42 as never))).toMatchObject({ code: 'ERR_COVLASSO_INVALID_DTYPE' });
  });
});

import { describe, expect, it, beforeAll, afterAll, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { CovlassoRangeError, CovlassoTypeError, NpyFormatError } from '../lib/runtime/errors';
import { CHILD_PROCESS_TEST_TIMEOUT, numpyAvailable, PYTHON } from './support/helpers';
import {
  encodeNpy,
  NpyArray,
  NpyDtype,
  parseNpy,
  readNpy,
  readNpyHeader,
  readNpyRows,
  readNpySync,
  writeNpy,
  writeNpySync,
} from '../lib/npy/io';

const DTYPES: NpyDtype[] = ['float32', 'float64', 'int32', 'int64'];
const ITEM: Record<NpyDtype, number> = { float32: 4, float64: 8, int32: 4, int64: 8 };
const SHAPES: number[][] = [[], [5], [1], [3, 4], [2, 3, 4], [0], [3, 0], [0, 4], [2, 1, 3, 1]];

/** Deterministic, dtype-specific values that would not survive a wrong element type. */
function makeData(dtype: NpyDtype, n: number): NpyArray['data'] {
  switch (dtype) {
    case 'float32':
      return Float32Array.from({ length: n }, (_, i) => (i - 3) * 1.25 + 0.1);
    case 'float64':
      return Float64Array.from({ length: n }, (_, i) => Math.PI * (i - 7) + 1e-12 * i);
    case 'int32':
      return Int32Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * (i * 100003 + 7));
    case 'int64':
      return BigInt64Array.from({ length: n }, (_, i) => BigInt(i - 2) * 1234567890123n);
  }
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Builds a .npy file by hand with an arbitrary header text, version and data bytes. */
function rawNpy(
  header: string,
  data: Uint8Array = new Uint8Array(0),
  opts: { major?: number; minor?: number; pad?: boolean } = {},
): Uint8Array {
  const major = opts.major ?? 1;
  const minor = opts.minor ?? 0;
  const pre = major === 1 ? 10 : 12;
  let text = header;
  if (opts.pad !== false) {
    const total = Math.ceil((pre + text.length + 1) / 64) * 64;
    text = text + ' '.repeat(total - pre - text.length - 1) + '\n';
  }
  const headerBytes = Buffer.from(text, major >= 3 ? 'utf8' : 'latin1');
  const out = new Uint8Array(pre + headerBytes.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, minor], 0);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, headerBytes.length, true);
  else dv.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, pre);
  out.set(data, pre + headerBytes.length);
  return out;
}

function bytesOf(data: NpyArray['data']): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

function expectNpyError(fn: () => unknown, message?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(NpyFormatError);
  expect((caught as NpyFormatError).code).toBe('ERR_COVLASSO_NPY_FORMAT');
  if (message) expect((caught as Error).message).toMatch(message);
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-npy-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('encodeNpy / parseNpy round trips', () => {
  for (const dtype of DTYPES) {
    for (const shape of SHAPES) {
      it(`${dtype} shape (${shape.join(', ')})`, () => {
        const data = makeData(dtype, prod(shape));
        const bytes = encodeNpy({ shape, data });
        // Format 1.0, header padded to a multiple of 64 bytes, data follows exactly.
        expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
        const headerLen = bytes[8] | (bytes[9] << 8);
        expect((10 + headerLen) % 64).toBe(0);
        expect(bytes.length).toBe(10 + headerLen + data.byteLength);
        expect(bytes[10 + headerLen - 1]).toBe(0x0a);

        const back = parseNpy(bytes);
        expect(back.dtype).toBe(dtype);
        expect(back.shape).toEqual(shape);
        expect(back.data.constructor).toBe(data.constructor);
        expect(back.data.length).toBe(data.length);
        expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(data as ArrayLike<number | bigint>));
      });
    }
  }

  it('writes the header text numpy writes', () => {
    const cases: Array<[NpyDtype, number[], string]> = [
      ['float32', [3, 4], "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"],
      ['float64', [5], "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }"],
      ['int32', [], "{'descr': '<i4', 'fortran_order': False, 'shape': (), }"],
      ['int64', [2, 0, 3], "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 0, 3), }"],
    ];
    for (const [dtype, shape, dict] of cases) {
      const bytes = encodeNpy({ dtype, shape, data: makeData(dtype, prod(shape)) });
      const headerLen = bytes[8] | (bytes[9] << 8);
      const text = Buffer.from(bytes.subarray(10, 10 + headerLen)).toString('latin1');
      expect(text.trimEnd()).toBe(dict);
    }
  });

  it('keeps exact bit patterns (NaN payloads aside): -0, Infinity, subnormals, int extremes', () => {
    const f64 = new Float64Array([-0, Infinity, -Infinity, 5e-324, Number.MAX_VALUE, NaN]);
    const back64 = parseNpy(encodeNpy({ shape: [6], data: f64 })).data as Float64Array;
    expect(Object.is(back64[0], -0)).toBe(true);
    expect(Array.from(back64.subarray(1, 5))).toEqual([Infinity, -Infinity, 5e-324, Number.MAX_VALUE]);
    expect(Number.isNaN(back64[5])).toBe(true);
    const i64 = new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n]);
    expect(Array.from(parseNpy(encodeNpy({ shape: [3], data: i64 })).data as BigInt64Array)).toEqual(Array.from(i64));
    const i32 = new Int32Array([-(2 ** 31), 2 ** 31 - 1]);
    expect(Array.from(parseNpy(encodeNpy({ shape: [2], data: i32 })).data as Int32Array)).toEqual(Array.from(i32));
  });

  it('encodes only the viewed part of a typed array that is a subarray', () => {
    const big = Float64Array.from({ length: 10 }, (_, i) => i);
    const sub = big.subarray(3, 7);
    const back = parseNpy(encodeNpy({ shape: [2, 2], data: sub }));
    expect(Array.from(back.data as Float64Array)).toEqual([3, 4, 5, 6]);
  });

  it('writes format 2.0 when the header does not fit in 1.0, and reads it back', () => {
    const shape = new Array<number>(25000).fill(1);
    shape[0] = 2;
    const data = new Float32Array([1.5, -2.5]);
    const bytes = encodeNpy({ shape, data });
    expect(bytes[6]).toBe(2);
    expect(bytes[7]).toBe(0);
    const headerLen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
    expect(headerLen).toBeGreaterThan(0xffff);
    expect((12 + headerLen) % 64).toBe(0);
    const back = parseNpy(bytes);
    expect(back.shape).toEqual(shape);
    expect(Array.from(back.data as Float32Array)).toEqual([1.5, -2.5]);
  });
});

describe('parseNpy memory', () => {
  it('is zero-copy when the data is aligned', () => {
    const bytes = encodeNpy({ shape: [4, 2], data: makeData('float64', 8) });
    const back = parseNpy(bytes);
    expect(back.data.buffer).toBe(bytes.buffer);
    expect(back.data.byteOffset).toBe(bytes.length - 64);
  });

  it('copies (correctly) when the data is misaligned', () => {
    for (const dtype of DTYPES) {
      const data = makeData(dtype, 6);
      const bytes = encodeNpy({ shape: [2, 3], data });
      const shifted = new Uint8Array(bytes.length + 1);
      shifted.set(bytes, 1);
      const view = shifted.subarray(1);
      const back = parseNpy(view);
      expect(back.data.buffer).not.toBe(shifted.buffer);
      expect(back.data.byteOffset % ITEM[dtype]).toBe(0);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(data as ArrayLike<number | bigint>));
    }
  });

  it('reads a Buffer that is a slice of a larger ArrayBuffer at an aligned offset', () => {
    const data = makeData('int32', 12);
    const bytes = encodeNpy({ shape: [12], data });
    const host = new Uint8Array(bytes.length + 8);
    host.set(bytes, 8);
    const back = parseNpy(Buffer.from(host.buffer, 8, bytes.length));
    expect(back.data.buffer).toBe(host.buffer);
    expect(Array.from(back.data as Int32Array)).toEqual(Array.from(data as Int32Array));
  });
});

describe('header forms', () => {
  const f4 = (n: number) => bytesOf(Float32Array.from({ length: n }, (_, i) => i + 0.5));
  const cases: Array<[string, number[]]> = [
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (), }", []],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", [5]],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", [3, 4]],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }", [2, 3, 4]],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (3,4)}", [3, 4]],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4,)}", [3, 4]],
    ["{ 'shape' : ( 2 , 3 , 4 , ) , 'descr' : '<f4' , 'fortran_order' : False }", [2, 3, 4]],
    ['{"fortran_order": False, "shape": (6,), "descr": "<f4"}', [6]],
    ["{'fortran_order': False, 'descr': \"<f4\", 'shape': (2, 3L), }", [2, 3]],
    ["{'descr': u'<f4', 'fortran_order': False, 'shape': (0, 7), }", [0, 7]],
  ];
  for (const [header, shape] of cases) {
    it(header, () => {
      const back = parseNpy(rawNpy(header, f4(prod(shape))));
      expect(back.dtype).toBe('float32');
      expect(back.shape).toEqual(shape);
      expect(Array.from(back.data as Float32Array)).toEqual(Array.from({ length: prod(shape) }, (_, i) => i + 0.5));
    });
  }

  it('reads format 2.0 and 3.0 headers', () => {
    const data = bytesOf(new Float64Array([1, 2, 3]));
    for (const major of [2, 3]) {
      const back = parseNpy(rawNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", data, { major }));
      expect(back.shape).toEqual([3]);
      expect(Array.from(back.data as Float64Array)).toEqual([1, 2, 3]);
    }
  });

  it('accepts an unpadded header without a trailing newline', () => {
    const back = parseNpy(rawNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,)}", bytesOf(new Int32Array([7, -8])), { pad: false }));
    expect(Array.from(back.data as Int32Array)).toEqual([7, -8]);
  });

  it('accepts fortran_order True only where the layout equals C order (0-d, 1-d, singleton dims)', () => {
    const one = parseNpy(rawNpy("{'descr': '<f4', 'fortran_order': True, 'shape': (3,), }", f4(3)));
    expect(Array.from(one.data as Float32Array)).toEqual([0.5, 1.5, 2.5]);
    expect(parseNpy(rawNpy("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3), }", f4(3))).shape).toEqual([1, 3]);
  });
});

describe('parseNpy errors (NpyFormatError, ERR_COVLASSO_NPY_FORMAT)', () => {
  const good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
  const data4 = bytesOf(new Float32Array([1, 2, 3, 4]));

  it('bad magic', () => {
    const b = rawNpy(good, data4);
    b[1] = 0x4f;
    expectNpyError(() => parseNpy(b), /magic/i);
    expectNpyError(() => parseNpy(new Uint8Array(0)), /magic/i);
    expectNpyError(() => parseNpy(Buffer.from('PK\x03\x04 this is a zip, not npy')), /magic/i);
  });

  it('unsupported version', () => {
    expectNpyError(() => parseNpy(rawNpy(good, data4, { major: 4 })), /version 4\.0/);
    expectNpyError(() => parseNpy(rawNpy(good, data4, { major: 1, minor: 1 })), /version 1\.1/);
    expectNpyError(() => parseNpy(rawNpy(good, data4, { major: 0 })), /version/);
  });

  it('truncated preamble or header', () => {
    const b = rawNpy(good, data4);
    expectNpyError(() => parseNpy(b.subarray(0, 7)), /truncated/i);
    expectNpyError(() => parseNpy(b.subarray(0, 9)), /truncated/i);
    expectNpyError(() => parseNpy(b.subarray(0, 40)), /truncated/i);
  });

  const malformed: Array<[string, string]> = [
    ['not a dict', "['descr', '<f4']"],
    ['missing shape', "{'descr': '<f4', 'fortran_order': False}"],
    ['missing descr', "{'fortran_order': False, 'shape': (2, 2)}"],
    ['extra key', "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'x': 1}"],
    ['duplicate key', "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)}"],
    ['shape is a list', "{'descr': '<f4', 'fortran_order': False, 'shape': [2, 2]}"],
    ['shape is an int', "{'descr': '<f4', 'fortran_order': False, 'shape': (4)}"],
    ['shape has a string', "{'descr': '<f4', 'fortran_order': False, 'shape': (2, '2')}"],
    ['negative dimension', "{'descr': '<f4', 'fortran_order': False, 'shape': (-2, -2)}"],
    ['float dimension', "{'descr': '<f4', 'fortran_order': False, 'shape': (2.0, 2)}"],
    ['fortran_order not bool', "{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 2)}"],
    ['unterminated string', "{'descr': '<f4, 'fortran_order': False, 'shape': (2, 2)}"],
    ['unclosed dict', "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)"],
    ['trailing garbage', "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)} x"],
    ['code', "{'descr': '<f4', 'fortran_order': False, 'shape': __import__('os')}"],
    ['empty', ''],
  ];
  for (const [name, header] of malformed) {
    it(`malformed header: ${name}`, () => {
      expectNpyError(() => parseNpy(rawNpy(header, data4)), /header/i);
    });
  }

  it('big-endian dtype', () => {
    for (const d of ['>f4', '>f8', '>i4', '>i8']) {
      expectNpyError(
        () => parseNpy(rawNpy(`{'descr': '${d}', 'fortran_order': False, 'shape': (2, 2), }`, new Uint8Array(4 * Number(d[2])))),
        /big-endian.*not supported/i,
      );
    }
  });

  it('fortran_order True for a 2-d array', () => {
    expectNpyError(() => parseNpy(rawNpy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", data4)), /fortran/i);
    expectNpyError(
      () => parseNpy(rawNpy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 1, 3), }", new Uint8Array(48))),
      /fortran/i,
    );
  });

  it('unsupported dtypes', () => {
    // (<f2 float16 and bfloat16 are read, widened to float32: test/npy-inputs.test.ts.)
    for (const d of ['>f2', '|u1', '|i1', '|b1', '<u4', '<u8', '<i2', '<c8', '<c16', '|O', '<U5', '|S3', '<M8[ns]', 'float32', '|f4', '<V2', '|V4', '<bfloat16']) {
      expectNpyError(() => parseNpy(rawNpy(`{'descr': '${d}', 'fortran_order': False, 'shape': (2, 2), }`, data4)), /dtype/i);
    }
    expectNpyError(
      () => parseNpy(rawNpy("{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (2,), }", data4)),
      /structured/i,
    );
  });

  it('truncated data', () => {
    expectNpyError(() => parseNpy(rawNpy(good, data4.subarray(0, 15))), /truncated/i);
    expectNpyError(() => parseNpy(rawNpy(good, new Uint8Array(0))), /truncated/i);
    expectNpyError(() => parseNpy(rawNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", new Uint8Array(4))), /truncated/i);
  });

  it('extra bytes after the data', () => {
    const extra = new Uint8Array(17);
    extra.set(data4);
    expectNpyError(() => parseNpy(rawNpy(good, extra)), /unexpected bytes/i);
    expectNpyError(() => parseNpy(rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }", new Uint8Array(4))), /unexpected/i);
  });

  it('a non-Uint8Array argument is a CovlassoTypeError', () => {
    expect(() => parseNpy('abc' as unknown as Uint8Array)).toThrow(CovlassoTypeError);
  });
});

describe('encodeNpy errors', () => {
  function caught(fn: () => unknown): Error & { code?: string } {
    try {
      fn();
    } catch (e) {
      return e as Error & { code?: string };
    }
    throw new Error('expected a throw');
  }

  it('shape/data length mismatch → CovlassoRangeError ERR_COVLASSO_SHAPE_MISMATCH', () => {
    for (const [shape, n] of [
      [[3, 4], 11],
      [[5], 6],
      [[], 0],
      [[], 2],
      [[0, 3], 1],
    ] as Array<[number[], number]>) {
      const e = caught(() => encodeNpy({ shape, data: new Float64Array(n) }));
      expect(e).toBeInstanceOf(CovlassoRangeError);
      expect(e.code).toBe('ERR_COVLASSO_SHAPE_MISMATCH');
    }
  });

  it('invalid dimensions → CovlassoRangeError', () => {
    for (const shape of [[-1], [1.5], [NaN], [Infinity]]) {
      const e = caught(() => encodeNpy({ shape, data: new Float64Array(1) }));
      expect(e).toBeInstanceOf(CovlassoRangeError);
      expect(e.code).toBe('ERR_COVLASSO_INVALID_ARGUMENT');
    }
  });

  it('dtype that does not match the data, or unsupported data → CovlassoTypeError ERR_COVLASSO_INVALID_DTYPE', () => {
    let e = caught(() => encodeNpy({ dtype: 'float32', shape: [2], data: new Float64Array(2) }));
    expect(e).toBeInstanceOf(CovlassoTypeError);
    expect(e.code).toBe('ERR_COVLASSO_INVALID_DTYPE');
    e = caught(() => encodeNpy({ shape: [2], data: new Uint8Array(2) as unknown as Float32Array }));
    expect(e).toBeInstanceOf(CovlassoTypeError);
    expect(e.code).toBe('ERR_COVLASSO_INVALID_DTYPE');
    e = caught(() => encodeNpy({ shape: [2], data: [1, 2] as unknown as Float32Array }));
    expect(e.code).toBe('ERR_COVLASSO_INVALID_DTYPE');
  });

  it('writeNpy and writeNpySync validate before touching the file', async () => {
    const p = path.join(tmp, 'never.npy');
    expect(() => writeNpySync(p, { shape: [3], data: new Float32Array(2) })).toThrow(CovlassoRangeError);
    await expect(writeNpy(p, { shape: [3], data: new Float32Array(2) })).rejects.toMatchObject({
      code: 'ERR_COVLASSO_SHAPE_MISMATCH',
    });
    expect(fs.existsSync(p)).toBe(false);
  });
});

describe('files', () => {
  it('writeNpy / readNpy / readNpyHeader round trip for every dtype', async () => {
    for (const dtype of DTYPES) {
      const p = path.join(tmp, `async-${dtype}.npy`);
      const data = makeData(dtype, 24);
      await writeNpy(p, { dtype, shape: [2, 3, 4], data });
      const back = await readNpy(p);
      expect(back.dtype).toBe(dtype);
      expect(back.shape).toEqual([2, 3, 4]);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(data as ArrayLike<number | bigint>));
      const h = await readNpyHeader(p);
      expect(h).toEqual({ dtype, shape: [2, 3, 4], dataOffset: 128, fortranOrder: false });
      expect(h.dataOffset % 64).toBe(0);
      expect(fs.statSync(p).size - h.dataOffset).toBe(24 * ITEM[dtype]);
      // The data really starts at dataOffset.
      const raw = fs.readFileSync(p);
      expect(Buffer.compare(raw.subarray(h.dataOffset), Buffer.from(bytesOf(data)))).toBe(0);
    }
  });

  it('writeNpySync / readNpySync round trip, and files equal encodeNpy output', () => {
    for (const dtype of DTYPES) {
      const p = path.join(tmp, `sync-${dtype}.npy`);
      const data = makeData(dtype, 7);
      writeNpySync(p, { shape: [7], data });
      expect(Buffer.compare(fs.readFileSync(p), Buffer.from(encodeNpy({ shape: [7], data })))).toBe(0);
      const back = readNpySync(p);
      expect(back.dtype).toBe(dtype);
      expect(back.shape).toEqual([7]);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(data as ArrayLike<number | bigint>));
    }
  });

  it('overwrites an existing, longer file completely', async () => {
    const p = path.join(tmp, 'overwrite.npy');
    writeNpySync(p, { shape: [1000], data: new Float64Array(1000) });
    await writeNpy(p, { shape: [2], data: new Float64Array([1, 2]) });
    expect(Array.from((await readNpy(p)).data as Float64Array)).toEqual([1, 2]);
    writeNpySync(p, { shape: [1000], data: new Float64Array(1000) });
    writeNpySync(p, { shape: [], data: new Int32Array([9]) });
    expect(readNpySync(p)).toMatchObject({ dtype: 'int32', shape: [] });
  });

  it('missing files fail with Node\'s own ENOENT error', async () => {
    const p = path.join(tmp, 'does-not-exist.npy');
    await expect(readNpy(p)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readNpyHeader(p)).rejects.toMatchObject({ code: 'ENOENT' });
    let e: unknown;
    try {
      readNpySync(p);
    } catch (err) {
      e = err;
    }
    expect((e as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(e).not.toBeInstanceOf(NpyFormatError);
  });

  it('readNpyHeader reports truncated, oversized and malformed files', async () => {
    const good = encodeNpy({ shape: [4, 4], data: new Float32Array(16) });
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['trunc-data.npy', good.subarray(0, good.length - 1), /truncated/i],
      ['trunc-header.npy', good.subarray(0, 30), /truncated/i],
      ['tiny.npy', good.subarray(0, 5), /magic/i],
      ['extra.npy', Buffer.concat([good, Buffer.alloc(4)]), /unexpected bytes/i],
      ['be.npy', rawNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (4, 4), }", new Uint8Array(64)), /big-endian/i],
    ];
    for (const [name, bytes, re] of cases) {
      const p = path.join(tmp, name);
      fs.writeFileSync(p, bytes);
      await expect(readNpyHeader(p)).rejects.toMatchObject({ code: 'ERR_COVLASSO_NPY_FORMAT', message: expect.stringMatching(re) });
      await expect(readNpy(p)).rejects.toBeInstanceOf(NpyFormatError);
    }
  });

  it('a v2/v3 header declaring ≥ 2³¹ bytes in a 2 KB file is an NpyFormatError, before anything that size is allocated', async () => {
    for (const [major, declared] of [[2, 2 ** 31], [3, 2 ** 32 - 1], [2, 2 ** 21]] as const) {
      const bytes = new Uint8Array(2048);
      bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
      new DataView(bytes.buffer).setUint32(8, declared, true);
      const p = path.join(tmp, `huge-header-v${major}-${declared}.npy`);
      fs.writeFileSync(p, bytes);
      await expect(readNpyHeader(p)).rejects.toMatchObject({ code: 'ERR_COVLASSO_NPY_FORMAT' });
      await expect(readNpyHeader(p)).rejects.toBeInstanceOf(NpyFormatError);
      await expect(readNpyRows(p, [0, 0])).rejects.toBeInstanceOf(NpyFormatError);
      await expect(readNpy(p)).rejects.toBeInstanceOf(NpyFormatError);
      expect(() => readNpySync(p)).toThrow(NpyFormatError);
    }
  });

  it('a header nesting 20 000 tuples is an NpyFormatError (bounded depth), not a stack overflow', async () => {
    const deep = `{'descr': '<f8', 'fortran_order': False, 'shape': ${'('.repeat(20000)}${')'.repeat(20000)}, }`;
    const bytes = rawNpy(deep, new Uint8Array(0));
    expect(() => parseNpy(bytes)).toThrow(NpyFormatError);
    expect(() => parseNpy(bytes)).toThrow(/nesting deeper than/);
    const p = path.join(tmp, 'deep.npy');
    fs.writeFileSync(p, bytes);
    await expect(readNpyHeader(p)).rejects.toMatchObject({ code: 'ERR_COVLASSO_NPY_FORMAT', message: expect.stringMatching(/nesting deeper than/) });
  });

  it('readNpyHeader reads only the header of a large file', async () => {
    const p = path.join(tmp, 'large.npy');
    writeNpySync(p, { shape: [256, 1024], data: new Float64Array(256 * 1024) });
    const spy = jestSpyReadFile();
    try {
      const h = await readNpyHeader(p);
      expect(h).toEqual({ dtype: 'float64', shape: [256, 1024], dataOffset: 128, fortranOrder: false });
      expect(spy.calls).toBe(0);
    } finally {
      spy.restore();
    }
  });
});

describe('readNpyRows', () => {
  it('reads rows [begin, end) of every dtype and rank, only those bytes, into aligned typed arrays', async () => {
    for (const dtype of DTYPES) {
      const p = path.join(tmp, `rows-${dtype}.npy`);
      const data = makeData(dtype, 60);
      writeNpySync(p, { dtype, shape: [5, 3, 4], data });
      const spy = jestSpyReadFile();
      try {
        for (const [a, b] of [[0, 5], [1, 3], [4, 5], [2, 2], [0, 0], [5, 5]]) {
          const got = await readNpyRows(p, [a, b]);
          expect(got.dtype).toBe(dtype);
          expect(got.shape).toEqual([b - a, 3, 4]);
          expect(got.data.byteOffset % ITEM[dtype]).toBe(0);
          expect(Array.from(got.data as ArrayLike<number | bigint>)).toEqual(Array.from(data.subarray(a * 12, b * 12) as ArrayLike<number | bigint>));
        }
      } finally {
        spy.restore();
      }
      expect(spy.calls).toBe(0);
    }
    const v = path.join(tmp, 'rows-1d.npy');
    writeNpySync(v, { shape: [7], data: Int32Array.from([0, 1, 2, 3, 4, 5, 6]) });
    expect(await readNpyRows(v, [2, 5])).toEqual({ dtype: 'int32', shape: [3], data: Int32Array.from([2, 3, 4]) });
    // A header not padded to 64 bytes: the data offset is odd, the result still aligned.
    const odd = path.join(tmp, 'rows-odd.npy');
    fs.writeFileSync(odd, rawNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", bytesOf(Float64Array.from([1.5, 2.5, 3.5])), { pad: false }));
    expect(Array.from((await readNpyRows(odd, [1, 3])).data as Float64Array)).toEqual([2.5, 3.5]);
  });

  it('bad ranges: ERR_COVLASSO_SHAPE_MISMATCH outside the rows or reversed, ERR_COVLASSO_INVALID_ARGUMENT when not integers', async () => {
    const p = path.join(tmp, 'rows-float32.npy');
    for (const range of [[3, 2], [-1, 2], [0, 6], [6, 6]]) {
      await expect(readNpyRows(p, range as [number, number])).rejects.toMatchObject({ code: 'ERR_COVLASSO_SHAPE_MISMATCH', message: expect.stringMatching(/5 rows/) });
    }
    await expect(readNpyRows(p, [3, 2])).rejects.toBeInstanceOf(CovlassoRangeError);
    for (const range of [[0.5, 2], [0, NaN], [0], 'all', undefined]) {
      await expect(readNpyRows(p, range as unknown as [number, number])).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
    }
    await expect(readNpyRows(p, [0, Infinity])).rejects.toBeInstanceOf(CovlassoTypeError);
    const scalar = path.join(tmp, 'rows-0d.npy');
    writeNpySync(scalar, { shape: [], data: new Float32Array([1]) });
    await expect(readNpyRows(scalar, [0, 0])).rejects.toMatchObject({ code: 'ERR_COVLASSO_SHAPE_MISMATCH' });
  });

  it('truncated, malformed and missing files: NpyFormatError, or Node\'s ENOENT', async () => {
    const good = encodeNpy({ shape: [4, 4], data: new Float32Array(16) });
    for (const [name, bytes] of [['rows-trunc.npy', good.subarray(0, good.length - 4)], ['rows-trunc-header.npy', good.subarray(0, 30)], ['rows-bad.npy', Buffer.from('not a numpy file')]] as const) {
      const p = path.join(tmp, name);
      fs.writeFileSync(p, bytes);
      // Even a range the remaining bytes would hold: the file does not match its shape.
      await expect(readNpyRows(p, [0, 1])).rejects.toMatchObject({ code: 'ERR_COVLASSO_NPY_FORMAT' });
      await expect(readNpyRows(p, [0, 1])).rejects.toBeInstanceOf(NpyFormatError);
    }
    await expect(readNpyRows(path.join(tmp, 'rows-missing.npy'), [0, 1])).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

/** Counts fs.promises.readFile calls (readNpyHeader must not read whole files). */
function jestSpyReadFile(): { calls: number; restore: () => void } {
  const original = fs.promises.readFile;
  const state = { calls: 0, restore: () => void (fs.promises.readFile = original) };
  fs.promises.readFile = ((...args: Parameters<typeof original>) => {
    state.calls++;
    return original(...args);
  }) as typeof original;
  return state;
}

/* ---------------------------------------------------------------------------------------- */
/* Interop with real numpy                                                                   */
/* ---------------------------------------------------------------------------------------- */

const HAS_NUMPY = numpyAvailable();
// The numpy interop tests run python: no timeout of their own, a generous per-test one.
jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);
const itNumpy = HAS_NUMPY ? it : it.skip;

function python(script: string, args: string[] = []): string {
  return execFileSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8' });
}

describe(`interop with numpy${HAS_NUMPY ? '' : ' (SKIPPED: numpy is not importable by /usr/bin/python3)'}`, () => {
  itNumpy('reads files written by numpy.save (all dtypes, shapes, format versions)', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'np-'));
    python(
      `
import sys, numpy as np
from numpy.lib import format as F
d = sys.argv[1]
def vals(dt, shape):
    n = int(np.prod(shape)) if len(shape) else 1
    a = (np.arange(n, dtype=np.float64) - 3) * 1.25 + 0.1
    if np.dtype(dt).kind == 'i':
        a = (np.arange(n) - 2) * 1234567 * (-1) ** np.arange(n)
    return a.astype(dt).reshape(shape)
for dt in ['<f4', '<f8', '<i4', '<i8']:
    for shape in [(), (5,), (3, 4), (2, 3, 4), (0,), (3, 0)]:
        name = dt[1:] + '_' + 'x'.join(map(str, shape))
        np.save(f'{d}/{name}.npy', vals(dt, shape))
for v in [(1, 0), (2, 0), (3, 0)]:
    with open(f'{d}/v{v[0]}.npy', 'wb') as f:
        F.write_array(f, vals('<f8', (4, 3)), version=v)
np.save(f'{d}/fortran.npy', np.asfortranarray(vals('<f4', (3, 4))))
np.save(f'{d}/bigendian.npy', vals('>f4', (3, 4)))
np.save(f'{d}/float16.npy', vals('<f2', (3, 4)))
np.save(f'{d}/uint8.npy', np.arange(12, dtype=np.uint8))
np.save(f'{d}/bool.npy', np.ones(3, dtype=bool))
np.save(f'{d}/object.npy', np.array([1, 'a', None], dtype=object), allow_pickle=True)
np.save(f'{d}/fortran1d.npy', np.asfortranarray(vals('<f4', (5,))))
`,
      [dir],
    );
    const expected = (dtype: NpyDtype, shape: number[]): Array<number | bigint> => {
      const n = prod(shape);
      if (dtype === 'int32' || dtype === 'int64') {
        const xs = Array.from({ length: n }, (_, i) => (i - 2) * 1234567 * (i % 2 ? -1 : 1));
        return dtype === 'int64' ? xs.map((x) => BigInt(x)) : xs;
      }
      const xs = Array.from({ length: n }, (_, i) => (i - 3) * 1.25 + 0.1);
      return dtype === 'float32' ? Array.from(Float32Array.from(xs)) : xs;
    };
    const kinds: Record<string, NpyDtype> = { f4: 'float32', f8: 'float64', i4: 'int32', i8: 'int64' };
    let count = 0;
    for (const [k, dtype] of Object.entries(kinds)) {
      for (const shape of [[], [5], [3, 4], [2, 3, 4], [0], [3, 0]]) {
        const file = path.join(dir, `${k}_${shape.join('x')}.npy`);
        const arr = readNpySync(file);
        expect(arr.dtype).toBe(dtype);
        expect(arr.shape).toEqual(shape);
        expect(Array.from(arr.data as ArrayLike<number | bigint>)).toEqual(expected(dtype, shape));
        // numpy pads headers to 64 bytes, so reading from a whole-file buffer is zero-copy.
        const buf = fs.readFileSync(file);
        expect(parseNpy(buf).data.buffer).toBe(buf.buffer);
        count++;
      }
    }
    expect(count).toBe(24);
    for (const v of [1, 2, 3]) {
      const file = path.join(dir, `v${v}.npy`);
      expect(fs.readFileSync(file)[6]).toBe(v);
      const arr = readNpySync(file);
      expect(arr.shape).toEqual([4, 3]);
      expect(Array.from(arr.data as Float64Array)).toEqual(expected('float64', [4, 3]));
    }
    expect(Array.from(readNpySync(path.join(dir, 'fortran1d.npy')).data as Float32Array)).toEqual(expected('float32', [5]));
    expectNpyError(() => readNpySync(path.join(dir, 'fortran.npy')), /fortran/i);
    expectNpyError(() => readNpySync(path.join(dir, 'bigendian.npy')), /big-endian/i);
    expect(readNpySync(path.join(dir, 'float16.npy'))).toMatchObject({ dtype: 'float32', widenedFrom: 'float16', shape: [3, 4] });
    for (const f of ['uint8', 'bool', 'object']) {
      expectNpyError(() => readNpySync(path.join(dir, `${f}.npy`)), /dtype/i);
    }
  });

  itNumpy('numpy.load reads files written by writeNpy / writeNpySync', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'ours-'));
    const written: Array<{ file: string; dtype: NpyDtype; shape: number[]; data: NpyArray['data'] }> = [];
    for (const dtype of DTYPES) {
      for (const shape of [[], [5], [3, 4], [2, 3, 4], [0, 4]]) {
        const file = path.join(dir, `${dtype}_${shape.join('x') || 'scalar'}.npy`);
        const data = makeData(dtype, prod(shape));
        if (written.length % 2) await writeNpy(file, { shape, data });
        else writeNpySync(file, { shape, data });
        written.push({ file, dtype, shape, data });
      }
    }
    const big = path.join(dir, 'v2.npy');
    const bigShape = new Array<number>(25000).fill(1);
    writeNpySync(big, { shape: bigShape, data: new Float64Array([0.25]) });
    const out = JSON.parse(
      python(
        `
import sys, json, numpy as np
res = []
for f in sys.argv[1:]:
    a = np.load(f)
    res.append({'dtype': a.dtype.str, 'shape': list(a.shape), 'c': bool(a.flags.c_contiguous),
                'values': [repr(x) for x in a.ravel().tolist()]})
print(json.dumps(res))
`,
        written.map((w) => w.file),
      ),
    ) as Array<{ dtype: string; shape: number[]; c: boolean; values: string[] }>;
    const descr: Record<NpyDtype, string> = { float32: '<f4', float64: '<f8', int32: '<i4', int64: '<i8' };
    written.forEach((w, i) => {
      expect(out[i].dtype).toBe(descr[w.dtype]);
      expect(out[i].shape).toEqual(w.shape);
      expect(out[i].c).toBe(true);
      // Python's repr of a float is the shortest round-tripping decimal, like JS; float32 values
      // come back widened to float64, which is exact.
      const ours = Array.from(w.data as ArrayLike<number | bigint>).map((x) => (typeof x === 'bigint' ? x.toString() : x));
      const theirs = out[i].values.map((s) => (w.dtype === 'int64' ? s : Number(s)));
      expect(theirs).toEqual(ours);
    });
    // numpy understands our format 2.0 header too (numpy caps ndim at 64, so only check the header).
    const hdr = python(
      `
import sys
from numpy.lib import format as F
with open(sys.argv[1], 'rb') as f:
    v = F.read_magic(f)
    h = F.read_array_header_2_0(f, max_header_size=200000) if v == (2, 0) else None
    print(v, h[0][:3] if h else None, len(h[0]) if h else None, h[2] if h else None)
`,
      [big],
    );
    expect(hdr.trim()).toBe('(2, 0) (1, 1, 1) 25000 float64');
  });
});

/* ---------------------------------------------------------------------------------------- */
/* The shared real-logits data set                                                           */
/* ---------------------------------------------------------------------------------------- */

const CJK = path.resolve(__dirname, '../../shared/data/cjk1000');
const HAS_CJK = fs.existsSync(path.join(CJK, 'logits.npy'));
const itCjk = HAS_CJK ? it : it.skip;

describe(`shared data cjk1000${HAS_CJK ? '' : ` (SKIPPED: ${CJK} not present)`}`, () => {
  itCjk('readNpyHeader(logits.npy) → float32 [12000, 1000]', async () => {
    const h = await readNpyHeader(path.join(CJK, 'logits.npy'));
    expect(h).toEqual({ dtype: 'float32', shape: [12000, 1000], dataOffset: 128, fortranOrder: false });
  });

  itCjk('readNpy(logits.npy) → float32 [12000, 1000], zero-copy, finite, matches numpy', async () => {
    const arr = await readNpy(path.join(CJK, 'logits.npy'));
    expect(arr.dtype).toBe('float32');
    expect(arr.shape).toEqual([12000, 1000]);
    expect(arr.data).toBeInstanceOf(Float32Array);
    expect(arr.data.length).toBe(12_000_000);
    expect(arr.data.byteOffset).toBe(128);
    const f = arr.data as Float32Array;
    let sum = 0;
    let sumAbs = 0;
    let allFinite = true;
    for (let i = 0; i < f.length; i++) {
      const x = f[i];
      if (!Number.isFinite(x)) allFinite = false;
      sum += x;
      sumAbs += Math.abs(x);
    }
    expect(allFinite).toBe(true);
    // Top-1 on these rows is 99.7% (README): the argmax of row r mostly equals labels[r].
    const labels = readNpySync(path.join(CJK, 'labels.npy'));
    expect(labels.dtype).toBe('int32');
    expect(labels.shape).toEqual([12000]);
    const y = labels.data as Int32Array;
    let correct = 0;
    for (let r = 0; r < 12000; r++) {
      let best = 0;
      for (let c = 1; c < 1000; c++) if (f[r * 1000 + c] > f[r * 1000 + best]) best = c;
      if (best === y[r]) correct++;
    }
    expect(correct / 12000).toBeGreaterThan(0.99);
    if (HAS_NUMPY) {
      const [npSum, r5c7] = python(
        `
import sys, numpy as np
a = np.load(sys.argv[1])
print(repr(float(a.astype(np.float64).sum())), repr(float(a[5, 7])))
`,
        [path.join(CJK, 'logits.npy')],
      )
        .trim()
        .split(' ')
        .map(Number);
      expect(f[5 * 1000 + 7]).toBe(r5c7);
      expect(Math.abs(sum - npSum)).toBeLessThanOrEqual(1e-9 * sumAbs);
    }
  });
});

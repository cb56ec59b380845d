/**
 * Saving / loading accumulator state (.cov files): round trips, validation of corrupt files,
 * and shards computed in separate processes merged in this one.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AccumulatorStateError,
  CovarianceAccumulator,
  Matrix,
  covarianceSync,
  crossMomentsSync,
  decodeAccumulatorState,
  encodeAccumulatorState,
  writeNpySync,
} from '../lib';
import { readAccumulatorStateShape } from '../lib/covariance/state-file';
import { randomLogits } from './support/reference-lasso';
import { relErr } from './support/helpers';

let dir = '';
const N = 6000;
const C = 40;
let F: Float64Array;
const file = (name: string): string => path.join(dir, name);
const dist = path.resolve(__dirname, '..', 'dist', 'cjs', 'index.js');

const same = (a: Float64Array, b: Float64Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-state-'));
  F = randomLogits(N, C, 21, { offset: 1000, rank: 12 }); // float64: the core sums it in float64
  writeNpySync(file('logits.npy'), { shape: [N, C], data: F });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('CovarianceAccumulator state', () => {
  it('toState / fromState and save / load round-trip exactly (covariance and cross)', async () => {
    const X = new Matrix(N, C, F);
    const Y = new Matrix(N, 7, randomLogits(N, 7, 3));
    const cov = new CovarianceAccumulator(C);
    cov.updateSync(X);
    const cross = new CovarianceAccumulator(C, 7);
    cross.updateSync(X, { y: Y });
    for (const acc of [cov, cross]) {
      const again = CovarianceAccumulator.fromState(acc.toState());
      expect(again.isCross).toBe(acc.isCross);
      expect(same(again.result().data as Float64Array, acc.result().data as Float64Array)).toBe(true);
      await acc.save(file('a.cov'));
      const loaded = await CovarianceAccumulator.load(file('a.cov'));
      expect([loaded.cols, loaded.crossCols, loaded.count]).toEqual([acc.cols, acc.crossCols, N]);
      expect(same(loaded.result({ center: true }).data as Float64Array, acc.result({ center: true }).data as Float64Array)).toBe(true);
      acc.saveSync(file('b.cov'));
      expect(fs.readFileSync(file('b.cov')).equals(fs.readFileSync(file('a.cov')))).toBe(true);
      expect(same(CovarianceAccumulator.loadSync(file('b.cov')).result().data as Float64Array, acc.result().data as Float64Array)).toBe(true);
    }
    expect(same(cross.result().data as Float64Array, crossMomentsSync(X, Y).data as Float64Array)).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // an empty accumulator saves and loads too
    const empty = CovarianceAccumulator.fromState(new CovarianceAccumulator(3).toState());
    expect(empty.count).toBe(0);
  });

  it('the checksum covers the header: a forged count or symmetric flag is rejected, not loaded', () => {
    const acc = new CovarianceAccumulator(C);
    acc.updateSync(new Matrix(32, C, F.subarray(0, 32 * C)));
    const good = Buffer.from(encodeAccumulatorState(acc.toState()));
    const headerEnd = 16 + good.readUInt32LE(12);
    const text = good.subarray(16, headerEnd).toString('utf8');
    expect(text).toContain('"version":2');
    expect(text).toContain('"count":32');
    /** The file with one edit in its header text, kept the same length (the padding absorbs it). */
    const forge = (from: string, to: string): Buffer => {
      expect(text).toContain(from);
      const edited = text.replace(from, to).replace(/ *\n$/, '');
      const out = Buffer.from(good);
      out.write(edited.padEnd(headerEnd - 17) + '\n', 16, 'utf8');
      return out;
    };
    const cases: Array<[string, Buffer]> = [
      ['count 32 → 22', forge('"count":32', '"count":22')],
      ['symmetric true → false', forge('"symmetric":true', '"symmetric":false')],
      ['an extra field', forge('"dtype"', '"note":1,"dtype"')],
    ];
    for (const [name, bytes] of cases) {
      let caught: unknown;
      try {
        decodeAccumulatorState(bytes);
      } catch (error) {
        caught = error;
      }
      expect([name, caught]).toEqual([name, expect.any(AccumulatorStateError)]);
      expect((caught as AccumulatorStateError).code).toBe('ERR_COVLASSO_STATE_FORMAT');
    }
    expect(() => decodeAccumulatorState(forge('"count":32', '"count":22'))).toThrow(/checksum/);
    // whitespace in the padding is not part of what the file says: still the same state
    expect(decodeAccumulatorState(forge('"count":32', '"count":32')).count).toBe(32);
  });

  it('still reads version-1 files (CRC over the data only)', () => {
    const acc = new CovarianceAccumulator(C);
    acc.updateSync(new Matrix(N, C, F));
    const v2 = Buffer.from(encodeAccumulatorState(acc.toState()));
    const headerEnd = 16 + v2.readUInt32LE(12);
    const header = JSON.parse(v2.subarray(16, headerEnd).toString()) as Record<string, unknown>;
    const data = v2.subarray(headerEnd);
    const v1Header = JSON.stringify({ ...header, version: 1, crc32: zlibCrc32(data).toString(16).padStart(8, '0') });
    const v1 = Buffer.from(v2);
    v1.write(v1Header.padEnd(headerEnd - 17) + '\n', 16, 'utf8');
    const state = decodeAccumulatorState(v1);
    expect(state.count).toBe(N);
    expect(same(CovarianceAccumulator.fromState(state).result().data as Float64Array, acc.result().data as Float64Array)).toBe(true);
  });

  it('rejects corrupt, truncated, mismatched and foreign files with ERR_COVLASSO_STATE_FORMAT', () => {
    const acc = new CovarianceAccumulator(C);
    acc.updateSync(new Matrix(N, C, F));
    const good = Buffer.from(encodeAccumulatorState(acc.toState()));
    const headerEnd = 16 + good.readUInt32LE(12);
    const header = JSON.parse(good.subarray(16, headerEnd).toString());
    const withHeader = (patch: Record<string, unknown>): Buffer => {
      const text = JSON.stringify({ ...header, ...patch }).padEnd(headerEnd - 17) + '\n';
      const out = Buffer.from(good);
      out.write(text.padEnd(headerEnd - 16), 16);
      return out;
    };
    const flipped = Buffer.from(good);
    flipped[headerEnd + 100] ^= 1;
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['empty', Buffer.alloc(0), /truncated/],
      ['numpy file', fs.readFileSync(file('logits.npy')), /not a covlasso accumulator state/],
      ['truncated header', good.subarray(0, 40), /truncated/],
      ['truncated data', good.subarray(0, good.length - 8), /truncated/],
      ['trailing bytes', Buffer.concat([good, Buffer.alloc(8)]), /unexpected bytes/],
      ['bit flip', flipped, /checksum/],
      ['future version', withHeader({ version: 3 }), /version 3/],
      ['bad count', withHeader({ count: -1 }), /count/],
      ['shape mismatch', withHeader({ colsX: C + 1, colsY: C + 1 }), /truncated|unexpected/],
      ['asymmetric shape', withHeader({ colsY: C - 1 }), /symmetric/],
      ['bad json', Buffer.concat([good.subarray(0, 16), Buffer.from('{'.padEnd(headerEnd - 16)), good.subarray(headerEnd)]), /JSON/],
    ];
    for (const [name, bytes, pattern] of cases) {
      fs.writeFileSync(file('bad.cov'), bytes);
      let caught: unknown;
      try {
        CovarianceAccumulator.loadSync(file('bad.cov'));
      } catch (error) {
        caught = error;
      }
      expect([name, caught]).toEqual([name, expect.any(AccumulatorStateError)]);
      expect((caught as AccumulatorStateError).code).toBe('ERR_COVLASSO_STATE_FORMAT');
      expect((caught as Error).message).toMatch(pattern);
    }
    // a state that decodes but is inconsistent (non-finite values) is rejected when loaded
    const state = decodeAccumulatorState(good);
    state.sumX[0] = NaN;
    expect(() => CovarianceAccumulator.fromState(state)).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_STATE_FORMAT' }));
    // merging loaded states of different shapes or kinds is a shape mismatch
    const other = new CovarianceAccumulator(C, C);
    expect(() => acc.merge(other)).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_SHAPE_MISMATCH' }));
  });

  it('three shards computed in separate processes merge to the one-process covariance', async () => {
    const bounds = [0, 2048, 4096, N];
    const script = `
      const { accumulateFromNpy } = require(${JSON.stringify(dist)});
      const [file, a, b, out] = process.argv.slice(1);
      accumulateFromNpy(file, { rows: [Number(a), Number(b)] }).then((acc) => acc.save(out))
        .catch((e) => { console.error(e); process.exit(1); });`;
    await Promise.all([0, 1, 2].map((k) => new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', script, file('logits.npy'), String(bounds[k]), String(bounds[k + 1]), file(`shard${k}.cov`)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`shard ${k} exited ${code}: ${err}`))));
    })));
    const merged = await CovarianceAccumulator.load(file('shard0.cov'));
    for (const k of [1, 2]) merged.merge(await CovarianceAccumulator.load(file(`shard${k}.cov`)));
    expect(merged.count).toBe(N);
    for (const opts of [{}, { center: true, ddof: 1 }]) {
      const want = covarianceSync(new Matrix(N, C, F), opts).data as Float64Array;
      const got = merged.result(opts).data as Float64Array;
      // Each shard has its own shift (from its first rows) and merging re-expresses the sums on
      // the first shard's shift: equal within float64 rounding, not bitwise.
      expect(relErr(got, want)).toBeLessThanOrEqual(1e-12);
    }
  });
});

/** zlib's CRC-32 (Node ≥ 20.15 has zlib.crc32; the table version otherwise). */
function zlibCrc32(bytes: Uint8Array): number {
  const native = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
  if (typeof native === 'function') return native(bytes) >>> 0;
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    c ^= bytes[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('readAccumulatorStateShape (the header alone, for argument checks before a load)', () => {
  it('gives the shape of covariance and cross states; refuses forged, truncated and foreign headers with ERR_COVLASSO_STATE_FORMAT', async () => {
    const X = new Matrix(N, C, F);
    const cov = new CovarianceAccumulator(C);
    cov.updateSync(X);
    const cross = new CovarianceAccumulator(C, 7);
    cross.updateSync(X, { y: new Matrix(N, 7, randomLogits(N, 7, 3)) });
    cov.saveSync(file('shape-cov.cov'));
    cross.saveSync(file('shape-cross.cov'));
    expect(await readAccumulatorStateShape(file('shape-cov.cov'))).toEqual({ colsX: C, colsY: C, symmetric: true, count: N });
    expect(await readAccumulatorStateShape(file('shape-cross.cov'))).toEqual({ colsX: C, colsY: 7, symmetric: false, count: N });
    const bytes = fs.readFileSync(file('shape-cov.cov'));
    const bad: Array<[string, Buffer]> = [
      ['empty', Buffer.alloc(0)],
      ['magic only', bytes.subarray(0, 12)],
      ['not a state', Buffer.from('{"format":"covlasso-accumulator"}')],
      ['header cut short', bytes.subarray(0, 40)],
      ['header length beyond the file', Buffer.concat([bytes.subarray(0, 12), Buffer.from([0xff, 0xff, 0xff, 0x7f]), bytes.subarray(16, 200)])],
      ['corrupted JSON', Buffer.from(bytes.toString('latin1').replace('"colsX"', '"colsX!').slice(0, 400), 'latin1')],
      ['colsX 0', Buffer.from(bytes.toString('latin1').replace(`"colsX":${C}`, '"colsX":0'.padEnd(`"colsX":${C}`.length, ' ')), 'latin1')],
    ];
    const codes: Record<string, string> = {};
    for (const [name, content] of bad) {
      fs.writeFileSync(file('shape-bad.cov'), content);
      codes[name] = await readAccumulatorStateShape(file('shape-bad.cov')).then(
        () => 'accepted',
        (error: { code?: string }) => String(error.code),
      );
    }
    expect(codes).toEqual(Object.fromEntries(bad.map(([name]) => [name, 'ERR_COVLASSO_STATE_FORMAT'])));
  });
});

/**
 * covarianceFromNpy / crossMomentsFromNpy / accumulateFromNpy: streamed results equal the
 * in-memory ones, options and memory planning, typed errors, progress, abort, handles closed,
 * and the `covlasso cov` streaming / --save-state / --merge CLI.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CovarianceAccumulator,
  Matrix,
  accumulateFromNpy,
  covarianceFromNpy,
  covarianceSync,
  crossMomentsFromNpy,
  crossMomentsSync,
  parseByteSize,
  readNpySync,
  streamMemory,
  writeNpySync,
} from '../lib';
import { randomLogits } from './support/reference-lasso';
import { relErr, CHILD_PROCESS_TEST_TIMEOUT } from './support/helpers';

// Child processes take what the machine takes: no timeout of their own, a generous per-test one.
jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

let dir = '';
const N = 5000;
const C = 23;
const CY = 11;
let F32: Float32Array;
let F64: Float64Array;
let G64: Float64Array;
const file = (name: string): string => path.join(dir, name);
const bin = path.resolve(__dirname, '..', 'dist', 'cjs', 'cli', 'main.js');

/**
 * Differences from chunking alone: float64 input is summed in float64 (rounding ~1e-15); for
 * float32 input the core sums products in float32 over 64 rows (moments.hpp), ~1e-7 of max|S|.
 */
const tol = (dtype: 'float32' | 'float64'): number => (dtype === 'float32' ? 2e-6 : 1e-12);
const bitwise = (a: Float64Array, b: Float64Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const openFds = (): number => (process.platform === 'linux' ? fs.readdirSync('/proc/self/fd').length : 0);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-stream-'));
  F32 = randomLogits(N, C, 5, { float32: true, offset: 50, rank: 9 });
  F64 = randomLogits(N, C, 6, { offset: -3 });
  G64 = randomLogits(N, CY, 7);
  writeNpySync(file('f32.npy'), { shape: [N, C], data: F32 });
  writeNpySync(file('f64.npy'), { shape: [N, C], data: F64 });
  writeNpySync(file('g64.npy'), { shape: [N, CY], data: G64 });
  writeNpySync(file('short.npy'), { shape: [N - 1, CY], data: G64.subarray(0, (N - 1) * CY) });
  writeNpySync(file('int.npy'), { shape: [4, 2], data: new Int32Array(8) });
  writeNpySync(file('3d.npy'), { shape: [2, 2, 2], data: new Float32Array(8) });
  const nan = Float32Array.from(F32);
  nan[4321 * C + 5] = NaN;
  writeNpySync(file('nan.npy'), { shape: [N, C], data: nan });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('covarianceFromNpy()', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const opts of [{}, { center: true }, { center: true, ddof: 1 }]) {
      it(`${dtype} ${JSON.stringify(opts)}: bitwise equal to covariance() with 4096-multiple chunks, within rounding otherwise`, async () => {
        const data = dtype === 'float32' ? F32 : F64;
        const want = covarianceSync(new Matrix(N, C, data), opts).data as Float64Array;
        const aligned = await covarianceFromNpy(file(`${dtype === 'float32' ? 'f32' : 'f64'}.npy`), { ...opts, chunkRows: 4096 });
        expect(aligned.rows).toBe(C);
        expect(bitwise(aligned.data as Float64Array, want)).toBe(true);
        const odd = await covarianceFromNpy(file(`${dtype === 'float32' ? 'f32' : 'f64'}.npy`), { ...opts, chunkRows: 777 });
        expect(relErr(odd.data, want)).toBeLessThanOrEqual(tol(dtype));
      });
    }
  }

  it('rows [a, b) equals the covariance of that slice', async () => {
    const want = covarianceSync(new Matrix(N, C, F32).sliceRows(1000, 3100), { center: true });
    const got = await covarianceFromNpy(file('f32.npy'), { rows: [1000, 3100], center: true, chunkRows: 4096 });
    expect(bitwise(got.data as Float64Array, want.data as Float64Array)).toBe(true);
  });

  it('chooses chunkRows from maxMemory and rejects bounds that cannot hold the result', async () => {
    const need = streamMemory(C, undefined, 4 * C, 600);
    const progress: number[] = [];
    const got = await covarianceFromNpy(file('f32.npy'), { maxMemory: need, onProgress: (f) => progress.push(f) });
    expect(relErr(got.data, covarianceSync(new Matrix(N, C, F32)).data)).toBeLessThanOrEqual(tol('float32'));
    expect(progress[progress.length - 1]).toBe(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
    const tooSmall = streamMemory(C, undefined, 4 * C, 0);
    await expect(covarianceFromNpy(file('f32.npy'), { maxMemory: tooSmall })).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT', message: expect.stringMatching(/maxMemory .* too small/) });
    await expect(covarianceFromNpy(file('f32.npy'), { maxMemory: need, chunkRows: 4000 })).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
    await expect(covarianceFromNpy(file('f32.npy'), { maxMemory: '1k' })).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
  });

  it('parseByteSize() takes bytes and binary-unit strings', () => {
    expect(parseByteSize('1g')).toBe(2 ** 30);
    expect(parseByteSize('512m')).toBe(512 * 2 ** 20);
    expect(parseByteSize('64MiB')).toBe(64 * 2 ** 20);
    expect(parseByteSize('1.5K')).toBe(1536);
    expect(parseByteSize(1000)).toBe(1000);
    for (const bad of ['', 'lots', '-1m', '1x', 0, NaN]) expect(() => parseByteSize(bad as string)).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' }));
  });

  it('typed errors for bad files and options, and the file handles are always closed', async () => {
    const before = openFds();
    await expect(covarianceFromNpy(file('missing.npy'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(covarianceFromNpy(file('int.npy'))).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_DTYPE' });
    await expect(covarianceFromNpy(file('3d.npy'))).rejects.toMatchObject({ code: 'ERR_COVLASSO_SHAPE_MISMATCH' });
    await expect(covarianceFromNpy(file('nan.npy'), { chunkRows: 1000 })).rejects.toMatchObject({ code: 'ERR_COVLASSO_NOT_FINITE', message: expect.stringMatching(/4321/) });
    await expect(covarianceFromNpy(file('f32.npy'), { rows: [10, 10] })).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
    await expect(covarianceFromNpy(file('f32.npy'), { rows: [0, N + 1] })).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
    await expect(covarianceFromNpy(file('f32.npy'), { chunkRows: 0 })).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
    await expect(covarianceFromNpy(file('f32.npy'), { rows: [0, 1], center: true, ddof: 1 })).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
    const truncated = file('truncated.npy');
    fs.writeFileSync(truncated, fs.readFileSync(file('f32.npy')).subarray(0, 1000));
    await expect(covarianceFromNpy(truncated)).rejects.toMatchObject({ code: 'ERR_COVLASSO_NPY_FORMAT' });
    const aborted = new AbortController();
    aborted.abort();
    await expect(covarianceFromNpy(file('f32.npy'), { signal: aborted.signal })).rejects.toMatchObject({ code: 'ERR_COVLASSO_ABORTED', name: 'AbortError' });
    const controller = new AbortController();
    const p = covarianceFromNpy(file('f64.npy'), { chunkRows: 64, signal: controller.signal, onProgress: () => controller.abort() });
    await expect(p).rejects.toMatchObject({ code: 'ERR_COVLASSO_ABORTED' });
    await new Promise((r) => setTimeout(r, 50));
    if (process.platform === 'linux') expect(openFds()).toBe(before);
  });
});

describe('crossMomentsFromNpy()', () => {
  it('equals crossMoments() of the loaded matrices, and checks the row counts', async () => {
    for (const opts of [{}, { center: true, ddof: 1 }]) {
      const want = crossMomentsSync(new Matrix(N, C, F32), new Matrix(N, CY, G64), opts).data as Float64Array;
      const got = await crossMomentsFromNpy(file('f32.npy'), file('g64.npy'), { ...opts, chunkRows: 4096 });
      expect([got.rows, got.cols]).toEqual([C, CY]);
      expect(bitwise(got.data as Float64Array, want)).toBe(true);
      const odd = await crossMomentsFromNpy(file('f32.npy'), file('g64.npy'), { ...opts, maxMemory: streamMemory(C, CY, 4 * C + 8 * CY, 300) });
      expect(relErr(odd.data, want)).toBeLessThanOrEqual(tol('float32'));
    }
    await expect(crossMomentsFromNpy(file('f32.npy'), file('short.npy'))).rejects.toMatchObject({ code: 'ERR_COVLASSO_SHAPE_MISMATCH' });
  });
});

describe('covlasso cov (streaming CLI)', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

  it('streams under --max-memory / --chunk-rows and matches the library', () => {
    const want = covarianceSync(new Matrix(N, C, F32).sliceRows(100, 4900), { center: true, ddof: 1 }).data as Float64Array;
    for (const flags of [['--max-memory', '1m'], ['--chunk-rows', '333']]) {
      const r = cli('cov', file('f32.npy'), '--rows', '100:4900', '--center', '--ddof', '1', '--out', file('cli.npy'), '--threads', '2', ...flags);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(relErr(readNpySync(file('cli.npy')).data as Float64Array, want)).toBeLessThanOrEqual(tol('float32'));
    }
  });

  it('--save-state shards, then --merge them', () => {
    for (const [i, rows] of ['0:1700', '1700:3000', '3000:'].entries()) {
      expect(cli('cov', file('f64.npy'), '--rows', rows, '--save-state', file(`s${i}.cov`)).status).toBe(0);
    }
    const r = cli('cov', '--merge', file('s0.cov'), file('s1.cov'), file('s2.cov'), '--center', '--out', file('merged.npy'), '--save-state', file('all.cov'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const want = covarianceSync(new Matrix(N, C, F64), { center: true }).data as Float64Array;
    expect(relErr(readNpySync(file('merged.npy')).data as Float64Array, want)).toBeLessThanOrEqual(1e-12);
    expect(CovarianceAccumulator.loadSync(file('all.cov')).count).toBe(N);
  });

  it.each([
    [['cov', 'F32', '--max-memory', 'lots', '--out', 'X'], 2, /--max-memory/],
    [['cov', 'F32'], 2, /--out/],
    [['cov', '--merge', '--out', 'X'], 2, /--merge needs/],
    [['cov', '--merge', 'F32', '--out', 'X'], 1, /ERR_COVLASSO_STATE_FORMAT/],
    [['cov', 'F32', '--max-memory', '4k', '--out', 'X'], 1, /too small.*ERR_COVLASSO_INVALID_ARGUMENT/],
  ])('%j exits %i with one line saying why', (argv, status, pattern) => {
    const r = cli(...argv.map((a) => (a === 'F32' ? file('f32.npy') : a === 'X' ? file('x.npy') : a)));
    expect(r.status).toBe(status);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('accumulateFromNpy()', () => {
  it('returns the accumulator, so shards can be merged', async () => {
    const a = await accumulateFromNpy(file('f32.npy'), { rows: [0, 2500] });
    a.merge(await accumulateFromNpy(file('f32.npy'), { rows: [2500, N] }));
    expect(a.count).toBe(N);
    expect(relErr(a.result({ center: true }).data, covarianceSync(new Matrix(N, C, F32), { center: true }).data)).toBeLessThanOrEqual(tol('float32'));
  });
});

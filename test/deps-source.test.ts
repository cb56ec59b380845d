/**
 * `covlasso deps --cov S.npy | --state a.cov[,b.cov]`: the dependency search on a saved
 * covariance or on merged shard states (the end of the shard workflow), and the API behind it
 * (dependenciesFromCovariance, findDependencies on an accumulator), against the search on the
 * logits themselves.
 */
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DependencyReport, Matrix, covarianceSync, dependenciesFromCovariance, findDependencies, readNpySync, writeNpySync } from '../lib';
import { randomLogits } from './support/reference-lasso';
import { runCli, CHILD_PROCESS_TEST_TIMEOUT } from './support/helpers';

// Child processes take what the machine takes: no timeout of their own, a generous per-test one.
jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-deps-source-'));
const file = (name: string): string => path.join(dir, name);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const N = 6000;
const C = 20;
const F = randomLogits(N, C, 21, { rank: 12, float32: true, offset: 3 });
const logits = new Matrix(N, C, F);
writeNpySync(file('logits.npy'), { shape: [N, C], data: F });

function read(name: string): DependencyReport {
  return JSON.parse(fs.readFileSync(file(name), 'utf8')) as DependencyReport;
}

function ok(...args: string[]): void {
  const r = runCli(...args, '--quiet');
  if (r.status !== 0) throw new Error(`covlasso ${args.join(' ')} failed: ${r.stderr}`);
}

/** Same sources and coefficients within rel, objectives within rel·S_tt-scale. */
function expectClose(got: DependencyReport, want: DependencyReport, rel: number): void {
  expect(got.targets).toHaveLength(want.targets.length);
  got.targets.forEach((t, k) => {
    const w = want.targets[k];
    expect(t.target).toBe(w.target);
    expect(t.sources).toEqual(w.sources);
    t.coef.forEach((c, i) => expect(Math.abs(c - w.coef[i])).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(w.coef[i]))));
    expect(Math.abs(t.objective - w.objective)).toBeLessThanOrEqual(rel * Math.max(1e-300, Math.abs(w.objective)));
    expect(t.converged).toBe(true);
  });
}

describe('deps --cov (a covariance saved by cov --out)', () => {
  it('gives the search on the logits, bitwise, when S was formed the same way', async () => {
    ok('cov', file('logits.npy'), '--rows', '0:4096', '--product-precision', 'float64', '--out', file('S.npy'));
    ok('deps', '--cov', file('S.npy'), '--lambda-ratio', '0.1', '--out', file('from-cov.json'));
    ok('deps', file('logits.npy'), '--rows', '0:4096', '--lambda-ratio', '0.1', '--out', file('from-logits.json'));
    const fromCov = read('from-cov.json');
    const fromLogits = read('from-logits.json');
    expect(fromCov.samples).toBe(0); // a saved S does not know its rows
    expect(fromCov.targets).toEqual(fromLogits.targets);
    const api = await dependenciesFromCovariance(covarianceSync(logits.sliceRows(0, 4096), { productPrecision: 'float64' }), { lambdaRatio: 0.1, samples: 4096 });
    expect(api.targets).toEqual(fromLogits.targets);
    expect(api.samples).toBe(4096);
  });

  it('refuses what does not apply, in one line', () => {
    for (const extra of [['--rows', '0:10'], ['--ddof', '1'], ['--max-memory', '1g'], ['--eval-rows', '0:10', '--labels', file('x.npy')]]) {
      const r = runCli('deps', '--cov', file('S.npy'), ...extra);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const both = runCli('deps', file('logits.npy'), '--cov', file('S.npy'));
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/expected exactly one logits file/);
    const none = runCli('deps');
    expect(none.status).toBe(2);
  });

  it('rejects a file that is not a square matrix by code', () => {
    const r = runCli('deps', '--cov', file('logits.npy'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/square/);
  });
});

describe('deps --state (shards saved by cov --save-state)', () => {
  it('merged shards give the one-process search (center and ddof applied when the states are finished)', async () => {
    ok('cov', file('logits.npy'), '--rows', '0:2500', '--product-precision', 'float64', '--save-state', file('a.cov'));
    ok('cov', file('logits.npy'), '--rows', '2500:6000', '--product-precision', 'float64', '--save-state', file('b.cov'));
    for (const ddof of ['0', '1']) {
      ok('deps', '--state', `${file('a.cov')},${file('b.cov')}`, '--center', '--ddof', ddof, '--lambda-ratio', '0.1', '--out', file('from-state.json'));
      const fromState = read('from-state.json');
      const direct = await findDependencies(logits, { center: true, ddof: Number(ddof), lambdaRatio: 0.1 });
      expect(fromState.samples).toBe(N);
      expect(fromState.center).toBe(true);
      expectClose(fromState, direct, 1e-8);
      fromState.targets.forEach((t, k) => expect(Math.abs(t.intercept! - direct.targets[k].intercept!)).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(direct.targets[k].intercept!))));
    }
  });

  it('a missing or corrupted shard fails with the state error', () => {
    fs.writeFileSync(file('bad.cov'), 'COVLASSO-ACC garbage');
    const r = runCli('deps', '--state', `${file('a.cov')},${file('bad.cov')}`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/bad\.cov/);
  });
});

describe('a float32 covariance for the solves (--covariance-dtype, covarianceDtype)', () => {
  it('cov --covariance-dtype float32 writes S rounded; deps --cov keeps it; the three routes agree bitwise', async () => {
    ok('cov', file('logits.npy'), '--rows', '0:4096', '--product-precision', 'float64', '--covariance-dtype', 'float32', '--out', file('S32.npy'));
    const S32 = readNpySync(file('S32.npy'));
    expect(S32.dtype).toBe('float32');
    const S64 = covarianceSync(logits.sliceRows(0, 4096), { productPrecision: 'float64' });
    expect(S32.data).toEqual(Float32Array.from(S64.data));
    ok('deps', '--cov', file('S32.npy'), '--lambda-ratio', '0.1', '--out', file('from-cov32.json'));
    ok('deps', file('logits.npy'), '--rows', '0:4096', '--covariance-dtype', 'float32', '--lambda-ratio', '0.1', '--out', file('from-logits32.json'));
    const fromCov = read('from-cov32.json');
    expect(read('from-logits32.json').targets).toEqual(fromCov.targets);
    // a float64 file rounded while it is read (in slices of rows, never whole in float64): the same
    ok('deps', '--cov', file('S.npy'), '--covariance-dtype', 'float32', '--lambda-ratio', '0.1', '--out', file('from-cov64-rounded.json'));
    expect(read('from-cov64-rounded.json').targets).toEqual(fromCov.targets);
    // The API: a rounded S, solved in float64 arithmetic, is the float64 copy's problem.
    const api = await findDependencies(logits, { rows: [0, 4096], productPrecision: 'float64', covarianceDtype: 'float32', lambdaRatio: 0.1 });
    expect(api.targets).toEqual(fromCov.targets);
    const widened = await dependenciesFromCovariance(new Matrix(C, C, Float64Array.from(S32.data as Float32Array)), { lambdaRatio: 0.1 });
    expect(widened.targets).toEqual(fromCov.targets);
    // ... and close to the float64 search: rounding S moves objectives by ~1e-8 relative.
    const full = await findDependencies(logits, { rows: [0, 4096], productPrecision: 'float64', lambdaRatio: 0.1 });
    fromCov.targets.forEach((t, k) => expect(Math.abs(t.objective - full.targets[k].objective)).toBeLessThanOrEqual(1e-6 * Math.abs(full.targets[k].objective) + 1e-12));
  });

  it('a float64 file larger than one rounding read (64 MiB) is rounded slice by slice, exactly as astype rounds', () => {
    const c = 3000; // 72 MB of float64: 2796 rows per read, so two reads
    const big = covarianceSync(new Matrix(200, c, randomLogits(200, c, 8, { rank: 20 })), { productPrecision: 'float64' });
    writeNpySync(file('S3000.npy'), { shape: [c, c], data: big.data });
    writeNpySync(file('S3000-32.npy'), { shape: [c, c], data: big.astype('float32').data });
    const targets = ['--targets', '0,2795,2796,2999', '--lambda-ratio', '0.2'];
    ok('deps', '--cov', file('S3000.npy'), '--covariance-dtype', 'float32', ...targets, '--out', file('rounded.json'));
    ok('deps', '--cov', file('S3000-32.npy'), ...targets, '--out', file('given32.json'));
    expect(read('rounded.json')).toEqual(read('given32.json'));
  });

  it('refuses a bad dtype and the places it does not apply', async () => {
    for (const args of [
      ['deps', file('logits.npy'), '--covariance-dtype', 'float16'],
      ['cov', file('logits.npy'), '--covariance-dtype', 'float32', '--save-state', file('x.cov')],
      ['deps', '--cov', file('S.npy'), '--shard', '0/2', '--out', file('p.json'), '--covariance-dtype', 'float32'],
    ]) {
      const r = runCli(...args);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    await expect(findDependencies(logits, { covarianceDtype: 'int8' as never })).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
  });
});

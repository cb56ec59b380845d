/**
 * The `covlasso` CLI as a user runs it: the compiled bin in a child process (run `npm run
 * build:ts` first; `npm ci` does it). Checks outputs against the library and the references.
 */
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { covarianceSync, covLassoSync, Matrix, readNpySync, writeNpySync } from '../lib';
import { dualityGap, randomLogits, targetProblem } from './support/reference-lasso';
import { runCli, CHILD_PROCESS_TEST_TIMEOUT } from './support/helpers';

// Child processes take what the machine takes: no timeout of their own, a generous per-test one.
jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

const root = path.resolve(__dirname, '..');
const cjk = path.resolve(root, '../shared/data/cjk1000');
const haveCjk = fs.existsSync(path.join(cjk, 'logits.npy'));
let dir = '';

const cli = runCli;

interface DepsJson {
  categories: number;
  samples: number;
  center: boolean;
  targets: Array<{ target: number; lambda: number; lambdaMax: number; sources: number[]; coef: number[]; intercept?: number; objective: number; gap: number; residualVariance: number; relativeError: number; iterations: number; converged: boolean; name?: string; sourceNames?: string[] }>;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-cli-'));
  const n = 600;
  const c = 25;
  writeNpySync(path.join(dir, 'logits.npy'), { shape: [n, c], data: randomLogits(n, c, 11, { rank: 8, float32: true }) });
});

describe('covlasso CLI', () => {
  it('demo runs the main job on its built-in default and recovers the planted dependencies', () => {
    const reportFile = path.join(dir, 'demo.html');
    const r = cli('demo', '--report', reportFile);
    expect(fs.readFileSync(reportFile, 'utf8')).toMatch(/^<!DOCTYPE html>/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Strongest sparse dependencies/);
    expect(r.stdout).toMatch(/120 certified/);
    const found = /recovered .*: (\d+)\/30/.exec(r.stdout);
    expect(found).not.toBeNull();
    expect(Number(found![1])).toBeGreaterThanOrEqual(25);
    // the evaluation step: accuracy before, one replaced on average, all replaced at once
    const acc = /([\d.]+)% before, ([\d.]+)% on average with one category replaced, ([\d.]+)% with all 120 replaced/.exec(r.stdout);
    expect(acc).not.toBeNull();
    const [before, one, all] = acc!.slice(1).map(Number);
    expect(before).toBeGreaterThan(50);
    expect(Math.abs(one - before)).toBeLessThan(2);
    expect(all).toBeLessThanOrEqual(before);
  });

  it('deps writes the documented JSON, consistent with covLasso and certified', () => {
    const out = path.join(dir, 'deps.json');
    const r = cli('deps', path.join(dir, 'logits.npy'), '--rows', '0:500', '--lambda-ratio', '0.05', '--out', out, '--quiet');
    expect(r.status).toBe(0);
    const deps = JSON.parse(fs.readFileSync(out, 'utf8')) as DepsJson;
    expect(deps.categories).toBe(25);
    expect(deps.samples).toBe(500);
    expect(deps.center).toBe(false);
    expect(deps.targets).toHaveLength(25);
    const npy = readNpySync(path.join(dir, 'logits.npy'));
    // deps uses float64 products by default (see FindDependenciesOptions.productPrecision).
    const S = covarianceSync(new Matrix(600, 25, npy.data as Float32Array).sliceRows(0, 500), { productPrecision: 'float64' });
    const lib = covLassoSync(S, { lambdaRatio: 0.05 });
    for (const t of deps.targets) {
      expect(Object.keys(t).sort()).toEqual(['coef', 'converged', 'gap', 'iterations', 'lambda', 'lambdaMax', 'objective', 'relativeError', 'residualVariance', 'sources', 'target'].sort());
      expect(t.objective).toBe(lib.objective[t.target]);
      expect(t.sources).not.toContain(t.target);
      expect(t.converged).toBe(true);
      const beta = new Float64Array(25);
      t.sources.forEach((s, i) => (beta[s] = t.coef[i]));
      const { s, d } = targetProblem(S.data as Float64Array, 25, t.target);
      expect(dualityGap(S.data as Float64Array, 25, s, d, t.lambda, beta, t.target)).toBeLessThanOrEqual(1e-6 * d + 1e-12 * d);
      for (let i = 1; i < t.coef.length; i++) expect(Math.abs(t.coef[i - 1])).toBeGreaterThanOrEqual(Math.abs(t.coef[i]));
    }
  });

  it('deps --center adds intercepts μ_t − Σ coef·μ_s; --targets selects; stdout without --out', () => {
    const r = cli('deps', path.join(dir, 'logits.npy'), '--center', '--targets', '3,7:9', '--lambda', '0.01', '--quiet');
    expect(r.status).toBe(0);
    const deps = JSON.parse(r.stdout) as DepsJson;
    expect(deps.center).toBe(true);
    expect(deps.targets.map((t) => t.target)).toEqual([3, 7, 8]);
    const F = readNpySync(path.join(dir, 'logits.npy')).data as Float32Array;
    const mean = (c: number): number => {
      let s = 0;
      for (let i = 0; i < 600; i++) s += F[i * 25 + c];
      return s / 600;
    };
    for (const t of deps.targets) {
      expect(t.lambda).toBe(0.01);
      const want = mean(t.target) - t.sources.reduce((acc, s, i) => acc + t.coef[i] * mean(s), 0);
      expect(t.intercept).toBeCloseTo(want, 9);
    }
  });

  it('cov writes the covariance as .npy', () => {
    const out = path.join(dir, 'cov.npy');
    const r = cli('cov', path.join(dir, 'logits.npy'), '--center', '--ddof', '1', '--out', out);
    expect(r.status).toBe(0);
    const got = readNpySync(out);
    expect(got.shape).toEqual([25, 25]);
    expect(got.dtype).toBe('float64');
    const npy = readNpySync(path.join(dir, 'logits.npy'));
    const want = covarianceSync(new Matrix(600, 25, npy.data as Float32Array), { center: true, ddof: 1 });
    expect(Array.from(got.data as Float64Array)).toEqual(Array.from(want.data));
  });

  it.each([
    [['deps', 'missing.npy'], 1, /no such file/],
    [['deps'], 2, /expected exactly one logits file/],
    [['deps', 'LOGITS', '--lambda', '-1'], 1, /ERR_COVLASSO_NEGATIVE_LAMBDA/],
    [['deps', 'LOGITS', '--lambda', '1', '--lambda-ratio', '0.1'], 2, /not both/],
    [['deps', 'LOGITS', '--targets', '99'], 2, /not an index/],
    [['deps', 'LOGITS', '--rows', '5:2'], 2, /empty or outside/],
    [['deps', 'LOGITS', '--threads', '0'], 2, /--threads/],
    [['deps', 'LOGITS', '--frobnicate'], 2, /unknown option/],
    [['deps', 'BAD'], 1, /ERR_COVLASSO_NPY_FORMAT/],
    [['deps', 'NAN'], 1, /ERR_COVLASSO_NOT_FINITE/],
    [['cov', 'LOGITS'], 2, /--out/],
    [['nonsense'], 2, /unknown command/],
  ])('%j exits %i with one line saying why', (argv, status, pattern) => {
    fs.writeFileSync(path.join(dir, 'bad.npy'), 'not a numpy file');
    const nan = new Float32Array(40).fill(1);
    nan[13] = NaN;
    writeNpySync(path.join(dir, 'nan.npy'), { shape: [10, 4], data: nan });
    const files: Record<string, string> = { LOGITS: path.join(dir, 'logits.npy'), BAD: path.join(dir, 'bad.npy'), NAN: path.join(dir, 'nan.npy') };
    const r = cli(...(argv as string[]).map((a) => files[a] ?? a));
    expect(r.status).toBe(status);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('prints help and version', () => {
    expect(cli('--help').stdout).toMatch(/covlasso <command> --help/);
    expect(cli('deps', '--help').stdout).toMatch(/covlasso deps <logits.npy>/);
    expect(cli('--version').stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version);
  });

  (haveCjk ? it : it.skip)('deps on cjk1000 (rows 0..7999, ratio 0.1) is at least as good as scikit-learn on every target', () => {
    const out = path.join(dir, 'cjk.json');
    const started = Date.now();
    const r = cli('deps', path.join(cjk, 'logits.npy'), '--rows', '0:8000', '--lambda-ratio', '0.1', '--names', path.join(cjk, 'classes.json'), '--out', out, '--quiet');
    expect(r.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
    const deps = JSON.parse(fs.readFileSync(out, 'utf8')) as DepsJson;
    const sk = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'sklearn-cjk1000-rows0-8000-r0.1.json'), 'utf8')) as { targets: Array<{ target: number; objective: number; lambda: number }> };
    const npy = readNpySync(path.join(cjk, 'logits.npy'));
    const S = covarianceSync(new Matrix(8000, 1000, (npy.data as Float32Array).subarray(0, 8_000_000)), { productPrecision: 'float64' });
    for (const ref of sk.targets) {
      const t = deps.targets[ref.target];
      const d = S.data[ref.target * 1001];
      expect(t.converged).toBe(true);
      expect(Math.abs(t.lambda - ref.lambda)).toBeLessThanOrEqual(1e-12 * ref.lambda);
      expect(t.objective).toBeLessThanOrEqual(ref.objective + 1e-6 * d);
      expect(typeof t.name).toBe('string');
    }
  });
});

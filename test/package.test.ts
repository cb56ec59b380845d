/**
 * The published package, as a user gets it: `npm pack` (which runs `prepack`: TypeScript build +
 * the N-API prebuilt binary), then `npm install <tarball>` into an empty project with npm's
 * defaults (npm 11 blocks dependency install scripts, so no source build happens there), then
 * CommonJS, ESM and the CLI from that project, in child processes.
 *
 * The tarball is packed from a temporary copy of the working tree (tracked and untracked,
 * non-ignored files, with node_modules linked), so this test never rewrites the working tree's
 * dist/, prebuilds/ or build/ that other processes may be using.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const SETUP_TIMEOUT = 300_000;

let work: string;
let tarball: string;
let tarFiles: string[];
let app: string;
let installed: string;

function run(cmd: string, args: string[], cwd: string, input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function mustRun(cmd: string, args: string[], cwd: string): string {
  const r = run(cmd, args, cwd);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}) in ${cwd}:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  }
  return r.stdout;
}

/** The working tree as git sees it (tracked + untracked, not ignored), copied to dest. */
function stageSource(dest: string): void {
  const list = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  for (const rel of list.split('\0')) {
    if (!rel) continue;
    const from = path.join(root, rel);
    if (!fs.existsSync(from) || !fs.statSync(from).isFile()) continue; // deleted, or a submodule
    const to = path.join(dest, rel);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dest, 'node_modules'), 'junction');
}

function nodeJson(script: string, cwd: string, ext: 'cjs' | 'mjs'): unknown {
  const file = path.join(cwd, `check-${Math.random().toString(36).slice(2)}.${ext}`);
  fs.writeFileSync(file, script);
  const out = mustRun(process.execPath, [file], cwd);
  const last = out.trim().split('\n').pop() ?? '';
  return JSON.parse(last);
}

// X (3x2): XᵀX/3 = [[(1+4+9)/3, (2+0+3)/3], [., (4+0+1)/3]] = [[14/3, 5/3], [5/3, 5/3]].
// S for the lasso: with λ = 0.3, target 0 has Gram diag(1, 1) over sources {1, 2}, so
// β = soft(S[:,0], λ)/diag = [0.5, 0]; target 1 has Gram diag(2, 1) over {0, 2}, β_0 = 0.5/2 = 0.25;
// target 2 is uncorrelated: β = 0. lambdaMax = max_{j≠t} |S_jt| = [0.8, 0.8, 0].
const CHECK_BODY = `
const X = new Matrix(3, 2, new Float64Array([1, 2, 2, 0, 3, 1]));
const C = covarianceSync(X);
const S = new Matrix(3, 3, new Float64Array([2, 0.8, 0, 0.8, 1, 0, 0, 0, 1]));
const res = await covLasso(S, { lambda: 0.3, tol: 1e-12 });
const dense = [];
for (let k = 0; k < res.coef.cols; k++) {
  const col = new Array(res.coef.rows).fill(0);
  for (let i = res.coef.indptr[k]; i < res.coef.indptr[k + 1]; i++) col[res.coef.indices[i]] = res.coef.values[i];
  dense.push(col);
}
const loaded = Object.keys(require.cache).filter((k) => k.endsWith('.node'));
console.log(JSON.stringify({ cov: Array.from(C.data), shape: C.shape, coef: dense, lambdaMax: Array.from(res.lambdaMax), converged: Array.from(res.converged), loaded }));
`;

const CJS_CHECK = `
const { covarianceSync, covLasso, Matrix } = require('covlasso');
(async () => {${CHECK_BODY}})().catch((e) => { console.error(e); process.exit(1); });
`;

const ESM_CHECK = `
import { createRequire } from 'node:module';
import { covarianceSync, covLasso, Matrix } from 'covlasso';
const require = createRequire(import.meta.url);
${CHECK_BODY}
`;

interface CheckResult {
  cov: number[];
  shape: number[];
  coef: number[][];
  lambdaMax: number[];
  converged: number[];
  loaded: string[];
}

function expectRightNumbers(r: CheckResult): void {
  expect(r.shape).toEqual([2, 2]);
  const want = [14 / 3, 5 / 3, 5 / 3, 5 / 3];
  r.cov.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
  const coef = [
    [0, 0.5, 0],
    [0.25, 0, 0],
    [0, 0, 0],
  ];
  r.coef.forEach((col, k) => col.forEach((v, j) => expect(v).toBeCloseTo(coef[k][j], 8)));
  r.lambdaMax.forEach((v, i) => expect(v).toBeCloseTo([0.8, 0.8, 0][i], 12));
  expect(r.converged).toEqual([1, 1, 1]);
  // The addon came from the tarball's prebuilds/, not from a source build.
  expect(r.loaded).toHaveLength(1);
  expect(r.loaded[0]).toContain(path.join('node_modules', 'covlasso', 'prebuilds', `${process.platform}-${process.arch}`));
}

describe('npm pack + install into an empty project (npm defaults, prebuilt binary)', () => {
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-package-'));
    const src = path.join(work, 'src');
    const out = path.join(work, 'out');
    fs.mkdirSync(src);
    fs.mkdirSync(out);
    stageSource(src);
    // prepack: build:ts + build:prebuild (prebuildify against the local Node headers).
    mustRun(npm, ['pack', '--pack-destination', out, '--no-audit', '--no-fund'], src);
    const tgz = fs.readdirSync(out).filter((f) => f.endsWith('.tgz'));
    expect(tgz).toHaveLength(1);
    tarball = path.join(out, tgz[0]);
    tarFiles = mustRun('tar', ['-tzf', tarball], work)
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));

    app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    // npm's defaults: no --allow-scripts, so covlasso's install script (node-gyp-build) is skipped.
    mustRun(npm, ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], app);
    installed = path.join(app, 'node_modules', 'covlasso');
  }, SETUP_TIMEOUT);

  afterAll(() => {
    if (work && !process.env.COVLASSO_KEEP_TMP) fs.rmSync(work, { recursive: true, force: true });
  });

  it('tarball has dist, native sources, build files and the prebuilt binary, and no tests/bench/build', () => {
    for (const f of ['package.json', 'binding.gyp', 'CMakeLists.txt', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/esm/index.mjs']) {
      expect(tarFiles).toContain(f);
    }
    expect(tarFiles.some((f) => /^native\/core\/.+\.cpp$/.test(f))).toBe(true);
    expect(tarFiles.some((f) => /^native\/binding\/.+\.cpp$/.test(f))).toBe(true);
    expect(tarFiles).toContain(`prebuilds/${process.platform}-${process.arch}/covlasso.node`);
    if (fs.existsSync(path.join(root, 'README.md'))) expect(tarFiles).toContain('README.md');
    const banned = /^(test|tests|bench|node_modules|build|build-cmake|lib|scripts|\.ci)\//;
    expect(tarFiles.filter((f) => banned.test(f))).toEqual([]);
    expect(tarFiles.filter((f) => f.endsWith('.tgz') || f.endsWith('.o'))).toEqual([]);
  });

  it('installed without a source build (install scripts blocked, binary from prebuilds/)', () => {
    expect(fs.existsSync(path.join(installed, 'build'))).toBe(false);
    expect(fs.existsSync(path.join(installed, 'prebuilds', `${process.platform}-${process.arch}`, 'covlasso.node'))).toBe(true);
  });

  it('the prebuilt binary carries the CUDA backend exactly when the packing machine has nvcc', () => {
    const nvcc = spawnSync(process.execPath, [path.join(root, 'native', 'cuda', 'build-config.js'), 'enabled'], { encoding: 'utf8' });
    const withCuda = nvcc.stdout.trim() === '1';
    const binary = path.join(installed, 'prebuilds', `${process.platform}-${process.arch}`, 'covlasso.node');
    expect(fs.readFileSync(binary).includes('.nv_fatbin')).toBe(withCuda);
    const cuda = nodeJson(`console.log(JSON.stringify(require('covlasso').backends().find((b) => b.name === 'cuda')));`, app, 'cjs') as {
      compiled: boolean;
    };
    expect(cuda.compiled).toBe(withCuda);
    expect(tarFiles).toContain('native/cuda/build-config.js');
  });

  it('require("covlasso"): covarianceSync and covLasso give the hand-computed numbers', () => {
    expectRightNumbers(nodeJson(CJS_CHECK, app, 'cjs') as CheckResult);
  });

  it('import { covLasso, Matrix } from "covlasso" (ESM) gives the same numbers', () => {
    expectRightNumbers(nodeJson(ESM_CHECK, app, 'mjs') as CheckResult);
  });

  it('both entry points share one instance (error classes, addon)', () => {
    const script = `
import { createRequire } from 'node:module';
import * as esm from 'covlasso';
const cjs = createRequire(import.meta.url)('covlasso');
console.log(JSON.stringify({ same: esm.NativeUnavailableError === cjs.NativeUnavailableError && esm.covLasso === cjs.covLasso }));
`;
    expect(nodeJson(script, app, 'mjs')).toEqual({ same: true });
  });

  it('`npx covlasso --help` runs the bin (when the tarball has the CLI)', () => {
    if (!tarFiles.includes('dist/cjs/cli/main.js')) {
      console.warn('package.test: dist/cjs/cli/main.js is not in the tarball yet; skipping the bin check');
      return;
    }
    const r = run(npx, ['--no-install', 'covlasso', '--help'], app);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    expect(r.stdout.toLowerCase()).toContain('covlasso');
  });

  it('the installed CLI ships its JSON Schemas and runs bench; report checks a file against them', () => {
    for (const name of ['deps', 'deps-target', 'cross', 'cross-both', 'unseen', 'diagnose', 'choose', 'info', 'graph', 'bench']) {
      expect(tarFiles).toContain(`schema/${name}.schema.json`);
    }
    const bench = run(npx, ['--no-install', 'covlasso', 'bench', '--quick', '--no-peers', '--json'], app);
    expect(bench.status).toBe(0);
    const result = JSON.parse(bench.stdout) as { format: string; rows: unknown[] };
    expect(result.format).toBe('covlasso-bench');
    expect(result.rows.length).toBeGreaterThanOrEqual(6);
    fs.writeFileSync(path.join(app, 'bad-deps.json'), JSON.stringify({ format: 'covlasso-deps', version: 1, categories: 2, samples: 3, center: 'no', targets: [] }));
    const report = run(npx, ['--no-install', 'covlasso', 'report', 'bad-deps.json', '--out', 'r.html'], app);
    expect(report.status).toBe(1);
    expect(report.stderr).toMatch(/\/center: expected boolean.*ERR_COVLASSO_JSON_FORMAT/);
  });

  it('no prebuilt binary and no build: importing works, the first call throws NativeUnavailableError', () => {
    const broken = path.join(work, 'app-no-binary');
    fs.cpSync(app, broken, { recursive: true, verbatimSymlinks: true });
    fs.rmSync(path.join(broken, 'node_modules', 'covlasso', 'prebuilds'), { recursive: true, force: true });
    fs.rmSync(path.join(broken, 'node_modules', 'covlasso', 'build'), { recursive: true, force: true });
    const script = `
const c = require('covlasso');
let error;
try { c.covarianceSync(new c.Matrix(1, 1, new Float64Array([1]))); } catch (e) { error = e; }
console.log(JSON.stringify({
  imported: typeof c.covLasso === 'function',
  name: error && error.name,
  code: error && error.code,
  isClass: error instanceof c.NativeUnavailableError,
  isBase: error instanceof c.CovlassoError,
  message: error && error.message,
}));
`;
    const r = nodeJson(script, broken, 'cjs') as Record<string, unknown>;
    expect(r).toMatchObject({ imported: true, name: 'NativeUnavailableError', code: 'ERR_COVLASSO_NATIVE_UNAVAILABLE', isClass: true, isBase: true });
    const message = String(r.message);
    expect(message).toContain(`${process.platform}-${process.arch}`);
    expect(message).toContain('prebuilds/');
    expect(message).toContain('npm rebuild covlasso');
  });
});

/**
 * The CLI's conventions (issue #14, CLI): util.parseArgs parsing (help on every command, bare
 * `covlasso`, `--`, short flags), output that survives a pipe closed early, the deps flags the
 * API has (--n-lambda/--ratio-min, --positive, --l1-ratio, --penalty-factor,
 * --product-precision, --strict, --format ndjson), progress with --progress. Runs the compiled
 * bin (dist/cjs/cli/main.js) in child processes.
 */
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { covarianceSync, covLassoSync, Matrix, writeNpySync } from '../lib';
import { COMMAND_USAGE } from '../lib/cli/usage';
import { loadSchema } from '../lib/cli/formats';
import { validateJson } from '../lib/cli/schema';
import { randomLogits } from './support/reference-lasso';
import { CHILD_PROCESS_TEST_TIMEOUT, runCli } from './support/helpers';

// Child processes take what the machine takes: no timeout of their own, a generous per-test one.
jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

const bin = path.resolve(__dirname, '..', 'dist', 'cjs', 'cli', 'main.js');
const n = 600;
const c = 25;
let dir = '';
let F: Float32Array;
const file = (name: string): string => path.join(dir, name);

/** The CLI in `cwd`, with extra environment variables. */
function cliIn(cwd: string, env: Record<string, string>, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Target { target: number; sources: number[]; coef: number[]; objective: number; converged: boolean; path?: { lambdas: number[]; ratios: number[]; nnz: number[] } }
const depsOf = (text: string): { format: string; version: number; targets: Target[] } => JSON.parse(text);

/** The float64-products covariance `deps` fits on (all rows). */
const S64 = (): Matrix => covarianceSync(new Matrix(n, c, F), { productPrecision: 'float64' });

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-cli-conv-'));
  F = randomLogits(n, c, 11, { rank: 8, float32: true });
  writeNpySync(file('logits.npy'), { shape: [n, c], data: F });
  const m = 800;
  const wide = 150;
  writeNpySync(file('wide.npy'), { shape: [m, wide], data: randomLogits(m, wide, 5, { rank: 20, float32: true }) });
});

describe('help, bare command, --, short flags', () => {
  it.each(Object.keys(COMMAND_USAGE))('%s --help and -h print its own usage to stdout and exit 0', (command) => {
    for (const flag of ['--help', '-h']) {
      const r = runCli(command, flag);
      expect([command, flag, r.status]).toEqual([command, flag, 0]);
      expect(r.stdout).toContain(`covlasso ${command}`);
      expect(r.stdout).toBe(`${COMMAND_USAGE[command]}\n`);
      expect(r.stderr).toBe('');
    }
  });

  it('--help wins over the rest of the line, and help <command> is that usage', () => {
    const r = runCli('deps', '--frobnicate', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--penalty-factor/);
    expect(runCli('help', 'cov').stdout).toBe(`${COMMAND_USAGE.cov}\n`);
  });

  it('bare covlasso prints the overview to stderr and exits 2; --help / -h print it to stdout and exit 0', () => {
    const bare = runCli();
    expect(bare.status).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/^covlasso: sparse neural dependencies/);
    for (const command of Object.keys(COMMAND_USAGE)) expect(bare.stderr).toMatch(new RegExp(`^  ${command} `, 'm'));
    for (const flag of ['--help', '-h']) {
      const r = runCli(flag);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(bare.stderr);
    }
  });

  it('-- ends the options: a file named like an option is a positional after it', () => {
    fs.copyFileSync(file('logits.npy'), file('-x.npy'));
    const withDashes = cliIn(dir, {}, 'deps', '--quiet', '--targets', '0:2', '--', '-x.npy');
    expect(withDashes.stderr).toBe('');
    expect(withDashes.status).toBe(0);
    expect(depsOf(withDashes.stdout).targets.map((t) => t.target)).toEqual([0, 1]);
    const plain = cliIn(dir, {}, 'deps', '--quiet', '--targets', '0:2', '--', 'logits.npy');
    expect(plain.status).toBe(0);
    expect(plain.stdout).toBe(withDashes.stdout);
    const without = cliIn(dir, {}, 'deps', '--quiet', '-x.npy');
    expect(without.status).toBe(2);
    expect(without.stderr.trim().split('\n')).toHaveLength(1);
    expect(without.stderr).toMatch(/unknown option -x/);
  });

  it('short flags -o -q -t -r -j (and -qo grouped) mean their long flags', () => {
    const long = runCli('deps', file('logits.npy'), '--quiet', '--targets', '1,4', '--rows', '0:500', '--threads', '1', '--out', file('long.json'));
    const short = runCli('deps', file('logits.npy'), '-q', '-t', '1,4', '-r0:500', '-j', '1', '-o', file('short.json'));
    const grouped = runCli('deps', file('logits.npy'), '-t', '1,4', '-r', '0:500', '-qo', file('grouped.json'));
    for (const r of [long, short, grouped]) {
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
    }
    const want = fs.readFileSync(file('long.json'), 'utf8');
    expect(depsOf(want).targets.map((t) => t.target)).toEqual([1, 4]);
    expect(fs.readFileSync(file('short.json'), 'utf8')).toBe(want);
    expect(fs.readFileSync(file('grouped.json'), 'utf8')).toBe(want);
  });

  it('parse errors are one line, exit 2: missing value, value on a switch, unknown short flag', () => {
    for (const [argv, pattern] of [
      [['deps', file('logits.npy'), '--out'], /--out needs a value/],
      [['deps', file('logits.npy'), '--center=yes'], /--center takes no value/],
      [['deps', file('logits.npy'), '-z'], /unknown option -z/],
      [['deps', file('logits.npy'), '--format', 'xml'], /--format: expected json or ndjson/],
    ] as const) {
      const r = runCli(...argv);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  });
});

describe('output into a pipe closed early', () => {
  it.each([['json'], ['ndjson']])('deps --format %s | head -c 100 ends quietly with status 0', (format) => {
    // ~600 KB of output (150 targets with 50-λ paths): far more than a pipe holds, so the
    // writer meets the closed pipe.
    const script = `{ "${process.execPath}" "${bin}" deps "${file('wide.npy')}" --quiet --n-lambda 50 --format ${format}; echo "exit=$?" >&2; } | head -c 100`;
    const r = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(Buffer.byteLength(r.stdout)).toBe(100);
    expect(r.stdout).toMatch(/^\{"format":"covlasso-deps/);
    expect(r.stderr).toBe('exit=0\n');
  });
});

describe('deps flags', () => {
  it('--n-lambda / --ratio-min trace each target\'s path (the report plots it)', () => {
    const r = runCli('deps', file('logits.npy'), '-q', '-t', '0:3', '--n-lambda', '7', '--ratio-min', '0.01');
    expect(r.status).toBe(0);
    for (const t of depsOf(r.stdout).targets) {
      expect(t.path!.lambdas).toHaveLength(7);
      expect(t.path!.ratios[0]).toBeCloseTo(1, 12);
      expect(t.path!.ratios[6]).toBeCloseTo(0.01, 12);
    }
    const plain = runCli('deps', file('logits.npy'), '-q', '-t', '0:3');
    for (const t of depsOf(plain.stdout).targets) expect(t.path).toBeUndefined();
    fs.writeFileSync(file('paths.json'), r.stdout);
    expect(runCli('report', file('paths.json'), '-o', file('paths.html')).status).toBe(0);
  });

  it('--positive, --l1-ratio and --penalty-factor solve what covLasso solves with them', () => {
    const S = S64();
    const plain = depsOf(runCli('deps', file('logits.npy'), '-q').stdout);
    expect(plain.targets.some((t) => t.coef.some((v) => v < 0))).toBe(true);
    const positive = depsOf(runCli('deps', file('logits.npy'), '-q', '--positive').stdout);
    const wantPositive = covLassoSync(S, { lambdaRatio: 0.1, positive: true });
    for (const t of positive.targets) {
      expect(t.coef.every((v) => v > 0)).toBe(true);
      expect(t.objective).toBe(wantPositive.objective[t.target]);
    }
    const enet = depsOf(runCli('deps', file('logits.npy'), '-q', '--l1-ratio', '0.5').stdout);
    const wantEnet = covLassoSync(S, { lambdaRatio: 0.1, l1Ratio: 0.5 });
    for (const t of enet.targets) expect(t.objective).toBe(wantEnet.objective[t.target]);
    expect(enet.targets.map((t) => t.objective)).not.toEqual(plain.targets.map((t) => t.objective));
    const weights = Float64Array.from({ length: c }, (_, j) => (j === 0 ? 0 : 1 + j / c));
    writeNpySync(file('weights.npy'), { shape: [c], data: weights });
    const weighted = depsOf(runCli('deps', file('logits.npy'), '-q', '--penalty-factor', file('weights.npy')).stdout);
    const wantWeighted = covLassoSync(S, { lambdaRatio: 0.1, penaltyFactor: weights });
    for (const t of weighted.targets) {
      expect(t.objective).toBe(wantWeighted.objective[t.target]);
      if (t.target !== 0) expect(t.sources).toContain(0); // unpenalised: always used
    }
    const bad = runCli('deps', file('logits.npy'), '-q', '--penalty-factor', file('logits.npy'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--penalty-factor: .* 1-d .*ERR_COVLASSO_SHAPE_MISMATCH/);
  });

  it('--product-precision float32 fits on float32 products; it does not apply to --cov', () => {
    const S32 = covarianceSync(new Matrix(n, c, F), { productPrecision: 'float32' });
    const want32 = covLassoSync(S32, { lambdaRatio: 0.1 });
    const want64 = covLassoSync(S64(), { lambdaRatio: 0.1 });
    const got32 = depsOf(runCli('deps', file('logits.npy'), '-q', '--product-precision', 'float32').stdout);
    const got64 = depsOf(runCli('deps', file('logits.npy'), '-q', '--product-precision', 'float64').stdout);
    for (const t of got32.targets) expect(t.objective).toBe(want32.objective[t.target]);
    for (const t of got64.targets) expect(t.objective).toBe(want64.objective[t.target]);
    expect(got32.targets.map((t) => t.objective)).not.toEqual(got64.targets.map((t) => t.objective));
    writeNpySync(file('S.npy'), { shape: [c, c], data: S64().data });
    const r = runCli('deps', '--cov', file('S.npy'), '--product-precision', 'float32');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--product-precision applies to a logits file/);
  });

  it('--strict: an unconverged target exits 3 (one line, ERR_COVLASSO_NOT_CONVERGED) after writing the output; without it, a warning and 0', () => {
    const strict = runCli('deps', file('logits.npy'), '-q', '--max-iter', '1', '--tol', '1e-12', '--strict', '-o', file('strict.json'));
    expect(strict.status).toBe(3);
    expect(strict.stderr.trim().split('\n')).toHaveLength(1);
    expect(strict.stderr).toMatch(/did not converge .*ERR_COVLASSO_NOT_CONVERGED/);
    expect(depsOf(fs.readFileSync(file('strict.json'), 'utf8')).targets.some((t) => !t.converged)).toBe(true);
    const lax = runCli('deps', file('logits.npy'), '-q', '--max-iter', '1', '--tol', '1e-12');
    expect(lax.status).toBe(0);
    expect(lax.stderr).toMatch(/warning: .* did not converge/);
    const fine = runCli('deps', file('logits.npy'), '-q', '--strict');
    expect(fine.status).toBe(0);
    expect(fine.stderr).toBe('');
  });

  it('--format ndjson: one self-describing target per line, the same targets as the JSON', () => {
    const json = depsOf(runCli('deps', file('logits.npy'), '-q', '-t', '2,5:9').stdout);
    const r = runCli('deps', file('logits.npy'), '-q', '-t', '2,5:9', '--format', 'ndjson');
    expect(r.status).toBe(0);
    expect(r.stdout.endsWith('\n')).toBe(true);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    const schema = loadSchema('covlasso-deps-target');
    lines.forEach((line, k) => {
      const record = JSON.parse(line);
      expect(validateJson(record, schema)).toBeUndefined();
      const { format, version, categories, samples, center, ...target } = record;
      expect([format, version, categories, samples, center]).toEqual(['covlasso-deps-target', 1, c, n, false]);
      expect(target).toEqual(json.targets[k]);
    });
    expect(runCli('deps', file('logits.npy'), '-q', '-t', '2,5:9', '--format', 'ndjson', '-o', file('t.ndjson')).status).toBe(0);
    expect(fs.readFileSync(file('t.ndjson'), 'utf8')).toBe(r.stdout);
  });
});

describe('progress', () => {
  it('--progress draws a bar with the elapsed time and an ETA on stderr; quiet when stderr is not a terminal', () => {
    const r = runCli('deps', file('wide.npy'), '--progress', '--n-lambda', '20', '-o', file('p.json'));
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/\rdeps \[#*\.*\] +\d+% \d+\.\ds (ETA (\d|\?)|done)/);
    expect(r.stderr).toMatch(/ 100% .* done/);
    expect(r.stderr.endsWith('\r\x1b[K')).toBe(true);
    const quiet = runCli('deps', file('wide.npy'), '--n-lambda', '20', '-o', file('p.json'));
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).toBe('');
    const cov = runCli('cov', file('wide.npy'), '--progress', '-o', file('p.npy'));
    expect(cov.stderr).toMatch(/\rcov \[.*\] +100% .* done/);
  });
});

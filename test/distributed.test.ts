/**
 * Shards (issue #15): shardRange's partition, covariance shards merged against the single
 * process, target shards merged against the single-process report (byte-identical JSON), and
 * every merge fault typed (ERR_COVLASSO_SHARD, naming the shard or file). The last block runs
 * a subset of ../shared/data/cjk1000's targets when the data is present.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CovarianceAccumulator,
  ShardError,
  accumulateFromNpy,
  covarianceShard,
  dependenciesFromCovariance,
  dependencyShard,
  findDependencies,
  findDependenciesFromNpy,
  mergeCovarianceShards,
  mergeDependencyShards,
  parseShard,
  shardRange,
  writeNpySync,
} from '../lib';
import { spawnSync } from 'node:child_process';
import { randomLogits } from './support/reference-lasso';
import { CHILD_PROCESS_TEST_TIMEOUT, compiledEntry, relErr, repoRoot, stamped } from './support/helpers';

const N = 6000;
const C = 24;
let dir: string;
let logits: string;
const file = (name: string): string => path.join(dir, name);

async function shardCode(call: () => Promise<unknown>): Promise<{ code?: string; shard?: number; file?: string; message: string }> {
  try {
    await call();
  } catch (error) {
    const e = error as ShardError;
    return { code: e.code, shard: e.shard, file: e.file, message: e.message };
  }
  throw new Error('expected the call to fail');
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-dist-'));
  logits = file('logits.npy');
  writeNpySync(logits, { shape: [N, C], data: randomLogits(N, C, 15, { rank: 10, offset: 0.5, float32: true }) });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('shardRange', () => {
  it('splits every total into n contiguous shards, sizes differing by at most one, every item once', () => {
    for (let total = 0; total <= 40; total++) {
      for (let n = 1; n <= 13; n++) {
        let next = 0;
        const sizes: number[] = [];
        for (let k = 0; k < n; k++) {
          const [a, b] = shardRange(k, n, total);
          expect(a).toBe(next);
          expect(b).toBeGreaterThanOrEqual(a);
          sizes.push(b - a);
          next = b;
        }
        expect(next).toBe(total);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
    expect(shardRange(0, 3, 10)).toEqual([0, 4]);
    expect(shardRange(2, 3, 10)).toEqual([7, 10]);
    expect(shardRange(4095, 4096, 14_000_000_000)[1]).toBe(14_000_000_000);
  });

  it('types every bad shard as ERR_COVLASSO_SHARD', () => {
    const bad: Array<[number, number, number]> = [[-1, 4, 10], [4, 4, 10], [0, 0, 10], [1.5, 4, 10], [0, 4, -1], [0, 4, 2.5], [NaN, 2, 3], [0, Infinity, 3]];
    for (const [k, n, total] of bad) {
      expect(() => shardRange(k, n, total)).toThrow(ShardError);
      try {
        shardRange(k, n, total);
      } catch (e) {
        expect((e as ShardError).code).toBe('ERR_COVLASSO_SHARD');
      }
    }
    expect(parseShard('3/8')).toEqual({ k: 3, n: 8 });
    for (const text of ['8/8', '1', 'a/b', '-1/2', '1/0', '']) expect(() => parseShard(text)).toThrow(ShardError);
  });
});

describe('covariance shards', () => {
  let single: CovarianceAccumulator;
  const n = 3;

  beforeAll(async () => {
    single = await accumulateFromNpy(logits, { productPrecision: 'float64' });
    for (let k = 0; k < n; k++) await covarianceShard(logits, { shard: { k, n }, out: file(`cov-${k}.cov`) });
  });

  it('merged shards equal the single-process covariance (≤ 1e-12, centered and not) and count every row once', async () => {
    const merged = await mergeCovarianceShards([0, 1, 2].map((k) => file(`cov-${k}.cov`)), { out: file('merged.cov'), count: N });
    expect(merged.count).toBe(N);
    for (const center of [false, true]) {
      expect(relErr(merged.result({ center }).data, single.result({ center }).data)).toBeLessThanOrEqual(1e-12);
    }
    const loaded = await CovarianceAccumulator.load(file('merged.cov'));
    expect(loaded.count).toBe(N);
  });

  it('one shard of one is the single-process state, bit for bit', async () => {
    await covarianceShard(logits, { shard: { k: 0, n: 1 }, out: file('whole.cov') });
    const whole = await CovarianceAccumulator.load(file('whole.cov'));
    expect(Buffer.from(whole.result().data.buffer).equals(Buffer.from(single.result().data.buffer))).toBe(true);
  });

  it('reuse keeps a shard that verifies and redoes one that does not', async () => {
    const target = file('cov-1.cov');
    const before = fs.statSync(target).mtimeMs;
    const info = await covarianceShard(logits, { shard: { k: 1, n }, out: target, reuse: true });
    expect(info.rows).toEqual(shardRange(1, n, N));
    expect(fs.statSync(target).mtimeMs).toBe(before);
    const copy = file('cov-1-copy.cov');
    fs.copyFileSync(file('cov-0.cov'), copy); // another shard's rows: does not verify as shard 1
    await covarianceShard(logits, { shard: { k: 1, n }, out: copy, reuse: true });
    expect(fs.readFileSync(copy).equals(fs.readFileSync(target))).toBe(true);
  });

  it('a missing or corrupted shard fails the merge, naming the shard', async () => {
    const missing = await shardCode(() => mergeCovarianceShards([file('cov-0.cov'), file('nope.cov'), file('cov-2.cov')]));
    expect(missing).toMatchObject({ code: 'ERR_COVLASSO_SHARD', shard: 1 });
    expect(missing.message).toMatch(/shard 1 .*missing/);
    const bytes = fs.readFileSync(file('cov-2.cov'));
    bytes[bytes.length - 20] ^= 0xff;
    fs.writeFileSync(file('bad-2.cov'), bytes);
    const corrupted = await shardCode(() => mergeCovarianceShards([file('cov-0.cov'), file('cov-1.cov'), file('bad-2.cov')]));
    expect(corrupted).toMatchObject({ code: 'ERR_COVLASSO_SHARD', shard: 2, file: file('bad-2.cov') });
    const short = await shardCode(() => mergeCovarianceShards([file('cov-0.cov'), file('cov-1.cov')], { count: N }));
    expect(short.code).toBe('ERR_COVLASSO_SHARD');
    expect((await shardCode(() => covarianceShard(logits, { shard: { k: 3, n: 3 }, out: file('x.cov') }))).code).toBe('ERR_COVLASSO_SHARD');
  });
});

describe('target shards', () => {
  const opts = { lambdaRatio: 0.05, center: true };
  const parts = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, k) => file(`${prefix}-${k}.json`));

  it('state source: n parts merge into the byte-identical single-process report (and findDependenciesFromNpy)', async () => {
    const merged = await mergeCovarianceShards([0, 1, 2].map((k) => file(`cov-${k}.cov`)));
    await merged.save(file('state.cov'));
    const want = JSON.stringify(await findDependencies(merged, opts));
    for (const n of [1, 4, 7]) {
      for (let k = 0; k < n; k++) await dependencyShard({ state: file('state.cov') }, { ...opts, shard: { k, n }, out: file(`st${n}-${k}.json`) });
      const got = await mergeDependencyShards(parts(`st${n}`, n).reverse(), { out: file(`deps-${n}.json`) });
      expect(JSON.stringify(got)).toBe(want);
      expect(fs.readFileSync(file(`deps-${n}.json`), 'utf8')).toBe(stamped(want)); // as `covlasso deps --out` writes it
    }
    // one covariance shard of one: the very report findDependenciesFromNpy (what `covlasso deps` runs) writes
    await dependencyShard({ state: file('whole.cov') }, { ...opts, shard: { k: 0, n: 2 }, out: file('w-0.json') });
    await dependencyShard({ state: file('whole.cov') }, { ...opts, shard: { k: 1, n: 2 }, out: file('w-1.json') });
    expect(JSON.stringify(await mergeDependencyShards(parts('w', 2)))).toBe(JSON.stringify(await findDependenciesFromNpy(logits, opts)));
  });

  it('cov source with a target list and more shards than targets', async () => {
    const acc = await CovarianceAccumulator.load(file('state.cov'));
    const S = acc.result();
    writeNpySync(file('S.npy'), { shape: [C, C], data: S.data });
    const targets = [5, 1, 17, 3, 22];
    const want = JSON.stringify(await dependenciesFromCovariance(S, { lambdaRatio: 0.1, targets, samples: N }));
    const n = 7;
    for (let k = 0; k < n; k++) await dependencyShard({ cov: file('S.npy'), samples: N }, { lambdaRatio: 0.1, targets, shard: { k, n }, out: file(`cv-${k}.json`) });
    expect(JSON.stringify(await mergeDependencyShards(parts('cv', n)))).toBe(want);
  });

  it('reuse leaves a part that verifies untouched', async () => {
    const out = file('st4-2.json');
    const before = fs.readFileSync(out, 'utf8');
    const mtime = fs.statSync(out).mtimeMs;
    await dependencyShard({ state: file('state.cov') }, { ...opts, shard: { k: 2, n: 4 }, out, reuse: true });
    expect(fs.statSync(out).mtimeMs).toBe(mtime);
    expect(fs.readFileSync(out, 'utf8')).toBe(before);
    await dependencyShard({ state: file('state.cov') }, { ...opts, lambdaRatio: 0.2, shard: { k: 2, n: 4 }, out: file('other-2.json'), reuse: true });
    expect(JSON.parse(fs.readFileSync(file('other-2.json'), 'utf8')).options.lambdaRatio).toBe(0.2);
  });

  it('merge faults are typed and name the shard or file', async () => {
    const good = parts('st4', 4);
    const edit = (from: string, to: string, change: (part: any) => void): string => {
      const part = JSON.parse(fs.readFileSync(from, 'utf8'));
      change(part);
      fs.writeFileSync(to, JSON.stringify(part));
      return to;
    };
    const cases: Array<[string, string[], RegExp, number | undefined]> = [
      ['missing shard', [good[0], good[1], good[3]], /shard 2 of 4 is missing/, 2],
      ['missing file', [good[0], good[1], file('absent.json'), good[3]], /absent\.json is missing/, undefined],
      ['duplicated shard', [good[0], good[1], good[2], good[3], good[1]], /shard 1 of 4 is given twice/, 1],
      ['duplicated target', [good[0], edit(good[1], file('dup-1.json'), (p) => {
        p.report.targets[0].target = 0;
        p.certificates[0].target = 0;
      }), good[2], good[3]], /target 0 appears twice/, 1],
      ['corrupted file', [good[0], good[1], good[2], file('trunc-3.json')], /trunc-3\.json is corrupted/, undefined],
      ['mismatched options', [good[0], good[1], file('other-2.json'), good[3]], /other options/, 2],
      ['mismatched covariance', [good[0], edit(good[1], file('hash-1.json'), (p) => (p.covariance.sha256 = '0'.repeat(64))), good[2], good[3]], /another covariance/, 1],
      ['certificate that does not hold', [good[0], good[1], edit(good[2], file('gap-2.json'), (p) => {
        p.report.targets[0].gap = 1;
        p.certificates[0].gap = 1;
      }), good[3]], /does not hold/, 2],
      ['record and certificate disagree', [good[0], good[1], edit(good[2], file('cert-2.json'), (p) => (p.certificates[1].gap = 0.5)), good[3]], /does not match/, 2],
      ['unconverged target', [edit(good[0], file('unc-0.json'), (p) => {
        p.report.targets[0].converged = false;
        p.certificates[0].converged = false;
      }), good[1], good[2], good[3]], /did not converge/, 0],
    ];
    fs.writeFileSync(file('trunc-3.json'), fs.readFileSync(good[3], 'utf8').slice(0, 100));
    for (const [what, files, message, shard] of cases) {
      const e = await shardCode(() => mergeDependencyShards(files));
      expect({ what, code: e.code }).toEqual({ what, code: 'ERR_COVLASSO_SHARD' });
      expect(e.message).toMatch(message);
      if (shard !== undefined) expect({ what, shard: e.shard }).toEqual({ what, shard });
    }
    const accepted = await mergeDependencyShards([file('unc-0.json'), good[1], good[2], good[3]], { allowUnconverged: true });
    expect(accepted.targets[0].converged).toBe(false);
  });

  it('bad shard specs and target lists are typed', async () => {
    expect((await shardCode(() => dependencyShard({ state: file('state.cov') }, { shard: { k: 4, n: 4 }, out: file('x.json') }))).code).toBe('ERR_COVLASSO_SHARD');
    expect((await shardCode(() => dependencyShard({ state: file('nope.cov') }, { shard: { k: 0, n: 4 }, out: file('x.json') }))).code).toBe('ERR_COVLASSO_SHARD');
    expect((await shardCode(() => dependencyShard({ state: file('state.cov') }, { targets: [1, C], shard: { k: 0, n: 1 }, out: file('x.json') }))).code).toBe('ERR_COVLASSO_TARGET_OUT_OF_RANGE');
    expect((await shardCode(() => dependencyShard({ state: file('state.cov') }, { targets: [1, 1], shard: { k: 0, n: 1 }, out: file('x.json') }))).code).toBe('ERR_COVLASSO_INVALID_ARGUMENT');
  });
});

describe('docs/shard-step.js (what the Slurm and Kubernetes examples run), as separate processes', () => {
  it('its four steps give the single-process report', async () => {
    compiledEntry('cjs');
    const modules = file('node_modules');
    fs.mkdirSync(modules);
    fs.symlinkSync(repoRoot, path.join(modules, 'covlasso'), 'dir'); // require('covlasso') -> this checkout's dist/
    const work = file('job');
    fs.mkdirSync(work);
    const env = { ...process.env, NODE_PATH: modules, LOGITS: logits, WORK: work, LAMBDA_RATIO: '0.05', CENTER: '1' };
    const step = (...args: string[]): void => {
      const r = spawnSync(process.execPath, [path.join(repoRoot, 'docs', 'shard-step.js'), ...args], { env, encoding: 'utf8' });
      expect({ args, status: r.status, stderr: r.stderr }).toEqual({ args, status: 0, stderr: '' });
    };
    for (let k = 0; k < 2; k++) step('cov', String(k), '2');
    step('cov-merge', '2');
    for (let k = 0; k < 3; k++) step('deps', String(k), '3');
    step('merge', '3');
    const merged = await mergeCovarianceShards([0, 1].map((k) => path.join(work, `cov-${k}-of-2.cov`)));
    expect(fs.readFileSync(path.join(work, 'deps.json'), 'utf8')).toBe(stamped(JSON.stringify(await findDependencies(merged, { lambdaRatio: 0.05, center: true }))));
  }, CHILD_PROCESS_TEST_TIMEOUT);
});

const CJK = path.resolve(__dirname, '../../shared/data/cjk1000/logits.npy');
const cjkSuite = fs.existsSync(CJK) ? describe : describe.skip;
if (!fs.existsSync(CJK)) console.warn(`cjk1000 shard tests skipped: ${CJK} not found`);

cjkSuite('cjk1000: shards of rows 0..7999, 24 targets in 3 target shards', () => {
  it('merges into the single-process report, byte for byte', async () => {
    const rows: [number, number] = [0, 8000];
    const n = 2;
    for (let k = 0; k < n; k++) await covarianceShard(CJK, { rows, shard: { k, n }, out: file(`cjk-${k}.cov`) });
    const merged = await mergeCovarianceShards([file('cjk-0.cov'), file('cjk-1.cov')], { out: file('cjk.cov'), count: 8000 });
    const single = await accumulateFromNpy(CJK, { rows, productPrecision: 'float64' });
    expect(relErr(merged.result().data, single.result().data)).toBeLessThanOrEqual(1e-12);
    const targets = Array.from({ length: 24 }, (_, i) => i * 41);
    const want = JSON.stringify(await findDependencies(merged, { lambdaRatio: 0.1, targets }));
    for (let k = 0; k < 3; k++) await dependencyShard({ state: file('cjk.cov') }, { lambdaRatio: 0.1, targets, shard: { k, n: 3 }, out: file(`cjkp-${k}.json`) });
    expect(JSON.stringify(await mergeDependencyShards([0, 1, 2].map((k) => file(`cjkp-${k}.json`))))).toBe(want);
  });
});

/**
 * Issue #15 on the command line: `cov --shard k/n --save-state`, `deps --state … --shard k/n
 * --out part.json` and `covlasso merge` give byte for byte the report of one `deps` process on
 * the same states; a missing or duplicated part fails the merge with ERR_COVLASSO_SHARD; bad
 * shard command lines are usage errors (exit 2). Runs the compiled CLI (dist/).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeNpySync } from '../lib';
import { CHILD_PROCESS_TEST_TIMEOUT, runCli } from './support/helpers';
import { randomLogits } from './support/reference-lasso';

const N = 900;
const C = 14;
let dir: string;
let logits: string;
const file = (name: string): string => path.join(dir, name);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-cli-shards-'));
  logits = file('logits.npy');
  writeNpySync(logits, { shape: [N, C], data: randomLogits(N, C, 31, { rank: 6, offset: 0.2, float32: true }) });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('covlasso cov --shard, deps --shard and merge', () => {
  it('three covariance shards and two target shards merge to the one-process report, byte for byte', () => {
    for (let k = 0; k < 3; k++) {
      const r = runCli('cov', logits, '--shard', `${k}/3`, '--save-state', file(`cov-${k}.cov`));
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    }
    const states = [0, 1, 2].map((k) => file(`cov-${k}.cov`)).join(',');
    const whole = runCli('deps', '--state', states, '--center', '--lambda-ratio', '0.05', '--out', file('whole.json'));
    expect(whole.status).toBe(0);
    for (let k = 0; k < 2; k++) {
      const r = runCli('deps', '--state', states, '--center', '--lambda-ratio', '0.05', '--shard', `${k}/2`, '--out', file(`part-${k}.json`));
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    }
    const merged = runCli('merge', file('part-1.json'), file('part-0.json'), '--out', file('merged.json'));
    expect({ status: merged.status, stderr: merged.stderr }).toEqual({ status: 0, stderr: '' });
    expect(fs.readFileSync(file('merged.json'), 'utf8')).toBe(fs.readFileSync(file('whole.json'), 'utf8'));
    const report = JSON.parse(fs.readFileSync(file('merged.json'), 'utf8'));
    expect(report.format).toBe('covlasso-deps');
    expect(report.targets).toHaveLength(C);
    expect(report.samples).toBe(N);
  }, CHILD_PROCESS_TEST_TIMEOUT);

  it('a rerun of a covariance shard keeps the verified state untouched', () => {
    const before = fs.statSync(file('cov-1.cov')).mtimeMs;
    const r = runCli('cov', logits, '--shard', '1/3', '--save-state', file('cov-1.cov'));
    expect(r.status).toBe(0);
    expect(fs.statSync(file('cov-1.cov')).mtimeMs).toBe(before);
  }, CHILD_PROCESS_TEST_TIMEOUT);

  it('a merge missing a part, or with a part twice, fails with ERR_COVLASSO_SHARD', () => {
    const missing = runCli('merge', file('part-0.json'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/ERR_COVLASSO_SHARD/);
    const twice = runCli('merge', file('part-0.json'), file('part-0.json'), file('part-1.json'));
    expect(twice.status).toBe(1);
    expect(twice.stderr).toMatch(/ERR_COVLASSO_SHARD/);
  }, CHILD_PROCESS_TEST_TIMEOUT);

  it.each([
    ['cov shard k out of range', ['cov', 'LOGITS', '--shard', '3/3', '--save-state', 'x.cov'], /--shard/],
    ['cov shard without --save-state', ['cov', 'LOGITS', '--shard', '0/2'], /--save-state/],
    ['cov shard with --out', ['cov', 'LOGITS', '--shard', '0/2', '--save-state', 'x.cov', '--out', 'S.npy'], /--out does not apply/],
    ['deps shard on a logits file', ['deps', 'LOGITS', '--shard', '0/2', '--out', 'p.json'], /--cov S.npy or --state/],
    ['deps shard without --out', ['deps', '--state', 'a.cov', '--shard', '0/2'], /--out/],
    ['deps shard with --graph', ['deps', '--state', 'a.cov', '--shard', '0/2', '--out', 'p.json', '--graph', 'g.dot'], /--graph does not apply/],
    ['merge of nothing', ['merge'], /partial results/],
    ['queue without an action', ['queue'], /submit|worker/],
  ])('%s is a usage error (exit 2)', (_name, argv, message) => {
    const r = runCli(...argv.map((a) => (a === 'LOGITS' ? logits : a.includes('.') ? file(a) : a)));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  }, CHILD_PROCESS_TEST_TIMEOUT);

  it.each(['merge', 'queue'])('covlasso %s --help prints its own usage (exit 0)', (command) => {
    const r = runCli(command, '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`covlasso ${command}`));
  }, CHILD_PROCESS_TEST_TIMEOUT);
});

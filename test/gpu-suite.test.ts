/**
 * The GPU suite (test/gpu/*.test.js, run with `node --test` from dist/ on a GPU machine, where
 * there is no jest): here it must load and skip every test without a usable device, and its
 * covariance checks must pass in rehearsal (COVLASSO_GPU_REHEARSAL=1: the CPU with float64
 * products standing in for the GPU), which checks the tests themselves.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { backends } from '../lib';
import { CHILD_PROCESS_TEST_TIMEOUT } from './support/helpers';

const root = path.resolve(__dirname, '..');
const files = fs.readdirSync(path.join(root, 'test', 'gpu')).filter((f) => f.endsWith('.test.js')).map((f) => path.join('test', 'gpu', f));
const available = backends().find((b) => b.name === 'cuda')!.available;

function nodeTest(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--test', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('test/gpu (node --test)', () => {
  it('has the covariance, lasso and control suites', () => {
    expect(files.map((f) => path.basename(f)).sort()).toEqual(['control.test.js', 'covariance.test.js', 'lasso.test.js']);
  });

  (available ? it.skip : it)('skips every test, failing none, without a usable CUDA device', () => {
    const r = nodeTest(files);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/# fail 0/);
    expect(r.out).toMatch(/# pass 0/);
    expect(r.out).toMatch(/# skipped [1-9]/);
  });

  it('its covariance checks pass in rehearsal (the CPU standing in for the GPU)', () => {
    const r = nodeTest([path.join('test', 'gpu', 'covariance.test.js')], { COVLASSO_GPU_REHEARSAL: '1' });
    expect(r.out).toMatch(/# fail 0/);
    expect(r.status).toBe(0);
  }, CHILD_PROCESS_TEST_TIMEOUT);
});

/**
 * The default thread count is what this process may run on: the CPU affinity mask (as
 * os.availableParallelism() reads it), not the machine's online CPUs. Under `taskset -c 0` a
 * call without `threads` runs on the caller's thread alone (it used to start a helper per
 * online CPU). Measured in child processes by the threads the process has (/proc/self/task)
 * after a call: the pool starts its workers on first use.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

import { CHILD_PROCESS_TEST_TIMEOUT, compiledEntry } from './support/helpers';

jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

const HAS_TASKSET = process.platform === 'linux' && spawnSync('taskset', ['-c', '0', 'true']).status === 0 && fs.existsSync('/proc/self/task');
const itLinux = HAS_TASKSET ? it : it.skip;

const SCRIPT = `
const c = require(process.argv[1]);
const native = require(require('node:path').join(process.argv[1], '..', 'runtime', 'native.js')).loadNative();
const fs = require('node:fs');
const tasks = () => fs.readdirSync('/proc/self/task').length;
const X = new c.Matrix(20000, 64, Float64Array.from({ length: 20000 * 64 }, (_, i) => Math.sin(i)));
c.covarianceSync(X, { threads: 1, backend: 'cpu' });
const base = tasks();
c.covarianceSync(X, { backend: 'cpu' });
const byDefault = tasks();
c.covarianceSync(X, { threads: 3, backend: 'cpu' });
const three = tasks();
const info = c.backends().find((b) => b.name === 'cpu').detail;
console.log(JSON.stringify({ availableParallelism: require('node:os').availableParallelism(), hardwareThreads: native.hardwareThreads, base, byDefault, three, info }));
`;

interface Counts {
  availableParallelism: number;
  hardwareThreads: number;
  base: number;
  byDefault: number;
  three: number;
  info: string;
}

function run(cpus: string | undefined): Counts {
  const node = [process.execPath, '-e', SCRIPT, compiledEntry('cjs')];
  const env = { ...process.env };
  delete env.COVLASSO_THREADS;
  const r = cpus === undefined ? spawnSync(node[0], node.slice(1), { encoding: 'utf8', env }) : spawnSync('taskset', ['-c', cpus, ...node], { encoding: 'utf8', env });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Counts;
}

describe(`default thread count${HAS_TASKSET ? '' : ' (SKIPPED: needs Linux with taskset)'}`, () => {
  itLinux('under taskset -c 0: one thread (the affinity mask), no pool worker started, as os.availableParallelism() says', () => {
    const r = run('0');
    expect(r.availableParallelism).toBe(1);
    expect(r.hardwareThreads).toBe(1);
    expect(r.info).toMatch(/^1 hardware threads?\b/);
    expect(r.byDefault).toBe(r.base);
    // The measurement can see workers: an explicit threads: 3 starts two.
    expect(r.three).toBe(r.base + 2);
  });

  itLinux('without a mask: every CPU the process may use (os.availableParallelism())', () => {
    const r = run(undefined);
    expect(r.hardwareThreads).toBe(os.availableParallelism());
    if (r.hardwareThreads > 1) expect(r.byDefault).toBeGreaterThan(r.base);
  });

  itLinux('under taskset with two CPUs (when the machine has them): two threads', () => {
    if (os.availableParallelism() < 2) return;
    const r = run('0,1');
    expect(r.hardwareThreads).toBe(2);
    expect(r.byDefault).toBe(r.base + 1);
  });
});

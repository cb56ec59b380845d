/**
 * The CUDA backend without a GPU: its lasso driver and the per-target steps its kernels run
 * (native/cuda/*.cuh, lasso_driver.cpp) compiled with the machine's g++ and executed on the host
 * by test/native/cuda/emulated_executor.hpp (one lane, and threads standing in for a warp's
 * lanes), against the CPU backend: test/native/cuda/*_test.cpp. The kernels' launch code itself
 * (native/cuda/*.cu) needs a GPU: test/gpu/.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHILD_PROCESS_TEST_TIMEOUT } from './support/helpers';

const root = path.resolve(__dirname, '..');
const dir = (d: string): string => path.join(root, d);
const cppIn = (d: string, recursive = false): string[] =>
  (fs.readdirSync(dir(d), { recursive }) as string[]).filter((f) => f.endsWith('.cpp')).map((f) => path.join(dir(d), f));
const tests = fs.readdirSync(dir('test/native/cuda')).filter((f) => f.endsWith('_test.cpp'));
// native/cuda's host C++ (the driver, the covariance plan), without cuda_backend.cpp: it calls the kernels.
const hostCuda = cppIn('native/cuda').filter((f) => path.basename(f) !== 'cuda_backend.cpp');

describe('CUDA backend, emulated on the host (test/native/cuda)', () => {
  it('never includes Node or N-API headers in native/cuda', () => {
    const files = fs.readdirSync(dir('native/cuda')).map((f) => path.join(dir('native/cuda'), f));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) expect(fs.readFileSync(file, 'utf8')).not.toMatch(/#include\s*[<"](napi|node_api|node)\.h/);
  });

  it.each(tests)(
    '%s passes',
    (test) => {
      const exe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-cuda-emu-')), test.replace('.cpp', ''));
      execFileSync(
        'g++',
        ['-std=c++17', '-O2', `-I${dir('native/core')}`, `-I${dir('native/cuda')}`, `-I${dir('test/native/cuda')}`,
          path.join(dir('test/native/cuda'), test), ...cppIn('native/core', true), ...hostCuda, '-o', exe, '-pthread'],
        { stdio: 'pipe' },
      );
      const run = spawnSync(exe, [], { encoding: 'utf8' });
      expect(run.stdout).not.toMatch(/^FAIL/m);
      expect(run.stdout).toMatch(/^ok: \d+ checks, 0 failed/m);
      expect(run.status).toBe(0);
    },
    CHILD_PROCESS_TEST_TIMEOUT,
  );
});

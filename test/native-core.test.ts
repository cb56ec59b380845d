/**
 * The C++ core's own test programs (test/native/*_test.cpp), compiled with the machine's g++
 * against native/core only (no Node headers: the core must stay independent of N-API) and run.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHILD_PROCESS_TEST_TIMEOUT } from './support/helpers';

const root = path.resolve(__dirname, '..');
const coreDir = path.join(root, 'native', 'core');
// Every file under native/core (the backend-neutral core and the CPU backend in cpu/).
const coreFiles = (fs.readdirSync(coreDir, { recursive: true }) as string[]).map((f) => path.join(coreDir, f)).filter((f) => fs.statSync(f).isFile());
const coreSources = coreFiles.filter((f) => f.endsWith('.cpp'));
const tests = fs.readdirSync(path.join(root, 'test', 'native')).filter((f) => f.endsWith('_test.cpp'));

describe('native core (C++ test programs)', () => {
  it('never includes Node or N-API headers', () => {
    expect(coreFiles.length).toBeGreaterThan(10);
    for (const file of coreFiles) {
      const text = fs.readFileSync(file, 'utf8');
      expect(text).not.toMatch(/#include\s*[<"](napi|node_api|node)\.h/);
    }
  });

  it.each(tests)('%s passes', (test) => {
    const exe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-core-')), test.replace('.cpp', ''));
    execFileSync('g++', ['-std=c++17', '-O2', `-I${coreDir}`, path.join(root, 'test', 'native', test), ...coreSources, '-o', exe, '-pthread'], { stdio: 'pipe' });
    const run = spawnSync(exe, [], { encoding: 'utf8' });
    expect(run.stdout).not.toMatch(/^FAIL/m);
    expect(run.status).toBe(0);
  }, CHILD_PROCESS_TEST_TIMEOUT); // compiling and running take what the machine takes: only jest's generous per-test timeout
});

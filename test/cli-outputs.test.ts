/**
 * CLI output files: an output naming an input (or another output) is refused in one line with
 * exit status 2, the input untouched; every output is written to a temporary file in the same
 * directory and renamed, so SIGINT / SIGTERM mid-write leave neither a truncated output nor a
 * stray temporary file (exit 130 / 143). Runs the compiled CLI (dist/cjs/cli/main.js).
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNpySync, writeNpySync } from '../lib/npy/io';
import { CHILD_PROCESS_TEST_TIMEOUT, runCli } from './support/helpers';

// Child processes take what the machine takes: no timeout of their own, a generous per-test one.
jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

let dir: string;
const file = (name: string): string => path.join(dir, name);
const bin = path.resolve(__dirname, '..', 'dist', 'cjs', 'cli', 'main.js');

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-cli-out-'));
  const n = 200;
  const c = 6;
  writeNpySync(file('logits.npy'), { shape: [n, c], data: Float32Array.from({ length: n * c }, (_, i) => Math.sin(i * 0.7) * 3) });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('an output naming an input is refused', () => {
  it('deps, cov, cov --merge, report and --save-state refuse to overwrite their input (also through a symlink), exit 2, input intact', () => {
    expect(runCli('cov', file('logits.npy'), '--save-state', file('a.cov'), '--quiet').status).toBe(0);
    expect(runCli('cov', file('logits.npy'), '--save-state', file('b.cov'), '--quiet').status).toBe(0);
    expect(runCli('deps', file('logits.npy'), '--lambda-ratio', '0.1', '--quiet', '--out', file('deps.json')).status).toBe(0);
    fs.symlinkSync(file('logits.npy'), file('link.npy'));
    const snapshot = (): Buffer[] => ['logits.npy', 'a.cov', 'b.cov', 'deps.json'].map((f) => fs.readFileSync(file(f)));
    const before = snapshot();
    const cases: string[][] = [
      ['cov', file('logits.npy'), '--out', file('logits.npy')],
      ['cov', file('logits.npy'), '--out', file('link.npy')],
      ['cov', file('logits.npy'), '--save-state', path.join(dir, '.', 'logits.npy')],
      ['cov', '--merge', file('a.cov'), file('b.cov'), '--out', file('a.cov')],
      ['cov', '--merge', file('a.cov'), file('b.cov'), '--save-state', file('b.cov')],
      ['deps', file('logits.npy'), '--lambda-ratio', '0.1', '--out', file('logits.npy')],
      ['deps', '--state', `${file('a.cov')},${file('b.cov')}`, '--lambda-ratio', '0.1', '--out', file('b.cov')],
      ['report', file('deps.json'), '--out', file('deps.json')],
    ];
    for (const argv of cases) {
      const r = runCli(...argv);
      expect([argv.join(' '), r.status]).toEqual([argv.join(' '), 2]);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/refusing to overwrite/);
    }
    const r = runCli('cov', file('logits.npy'), '--out', file('same.npy'), '--save-state', file('same.npy'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/refusing to write one file twice/);
    expect(snapshot()).toEqual(before);
  });
});

describe('outputs are written atomically', () => {
  /** Starts `cov` writing a 128 MB covariance and a 128 MB state, and signals it once a temporary output appears. */
  function interruptedCov(signal: NodeJS.Signals, out: string, state: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; interrupted: boolean }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [bin, 'cov', file('wide.npy'), '--out', out, '--save-state', state, '--quiet'], { stdio: 'ignore' });
      let interrupted = false;
      const poll = setInterval(() => {
        if (fs.readdirSync(dir).some((f) => f.includes('.tmp-'))) {
          interrupted = child.kill(signal);
          clearInterval(poll);
        }
      }, 2);
      child.on('close', (code, sig) => {
        clearInterval(poll);
        resolve({ code, signal: sig, interrupted });
      });
    });
  }

  it('SIGINT / SIGTERM during cov --out / --save-state: exit 130 / 143, no truncated output, no stray temporary file, an earlier output intact', async () => {
    const n = 64;
    const c = 4000; // a 4000×4000 float64 covariance: 128 MB to write, and as much state
    writeNpySync(file('wide.npy'), { shape: [n, c], data: Float32Array.from({ length: n * c }, (_, i) => Math.sin(i * 0.1)) });
    const earlier = { shape: [2, 2], data: new Float64Array([1, 2, 3, 4]) };
    let caught = 0;
    for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGINT', 130], ['SIGTERM', 143]] as const) {
      writeNpySync(file('wide-cov.npy'), earlier);
      fs.rmSync(file('wide.cov'), { force: true });
      const r = await interruptedCov(signal, file('wide-cov.npy'), file('wide.cov'));
      expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
      // Whatever the moment, the output is the earlier file or the whole new one, never a part.
      const got = readNpySync(file('wide-cov.npy'));
      expect(got.shape.join('x') === '2x2' || got.shape.join('x') === `${c}x${c}`).toBe(true);
      if (r.interrupted && r.code === status) {
        caught++;
        expect(r.signal).toBeNull();
      } else {
        expect(r.code).toBe(0);
      }
    }
    expect(caught).toBeGreaterThan(0);
  });
});

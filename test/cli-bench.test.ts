/**
 * `covlasso bench`: the benchmark suite from the compiled CLI (`--quick`: small problems, one
 * run), with the peers that are installed and the missing ones named; the table on stdout, the
 * JSON (format "covlasso-bench") with --json / --out.
 */
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeNpySync } from '../lib';
import { loadSchema } from '../lib/cli/formats';
import { validateJson } from '../lib/cli/schema';
import { randomLogits } from './support/reference-lasso';
import { CHILD_PROCESS_TEST_TIMEOUT, runCli } from './support/helpers';

// Child processes take what the machine takes: no timeout of their own, a generous per-test one.
jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

const bin = path.resolve(__dirname, '..', 'dist', 'cjs', 'cli', 'main.js');
let dir = '';

function bench(env: Record<string, string>, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, 'bench', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The table's rows (job and the four columns after it). */
function tableRows(stdout: string): string[][] {
  return stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| job') && !l.startsWith('| ---')).map((l) => l.slice(2, -2).split(' | '));
}

const numpyImportable = spawnSync(process.env.COVLASSO_PYTHON || 'python3', ['-c', 'import numpy']).status === 0;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-cli-bench-'));
  writeNpySync(path.join(dir, 'real.npy'), { shape: [300, 40], data: randomLogits(300, 40, 9, { rank: 6, float32: true }) });
});

describe('covlasso bench', () => {
  it('--quick times the suite and prints the table; a missing python is named on every peer row', () => {
    const r = bench({ COVLASSO_PYTHON: path.join(dir, 'no-such-python') }, '--quick');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^covlasso bench --quick: .*median of 1 run/);
    expect(r.stdout).toContain('| job | covlasso (s) | peer (s) | peer / covlasso | peer |');
    const rows = tableRows(r.stdout);
    expect(rows.map((row) => row[0])).toEqual([
      expect.stringMatching(/^covariance f32 /),
      expect.stringMatching(/^covariance f32 /),
      expect.stringMatching(/^covariance f64 /),
      expect.stringMatching(/^all \d+ CovLassos, λ ratio 0.1/),
      expect.stringMatching(/^all \d+ CovLassos, λ ratio 0.1/),
      expect.stringMatching(/^path of 20 λ/),
    ]);
    for (const [, ours, peer, ratio, name] of rows) {
      expect(Number(ours)).toBeGreaterThanOrEqual(0);
      expect([peer, ratio]).toEqual(['n/a', 'n/a']);
      expect(name).toMatch(/no-such-python not found \(install Python 3, or set COVLASSO_PYTHON\)/);
    }
    expect(r.stdout).toMatch(/Peers missing: numpy .*not found/);
  });

  (numpyImportable ? it : it.skip)('times numpy beside covlasso when python3 has it (and names scikit-learn when it is missing)', () => {
    const r = bench({}, '--quick', '--json');
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout) as { peers: { numpy: { version?: string }; sklearn: { version?: string; missing?: string } }; rows: Array<{ kind: string; covlasso: number; peer: number | null; ratio: number | null; peerName: string }> };
    expect(validateJson(result, loadSchema('covlasso-bench'))).toBeUndefined();
    expect(typeof result.peers.numpy.version).toBe('string');
    for (const row of result.rows) {
      if (row.kind === 'covariance' || result.peers.sklearn.version !== undefined) {
        expect(typeof row.peer).toBe('number');
        expect(row.ratio).toBe(row.peer! / row.covlasso);
      } else {
        expect(row.peer).toBeNull();
        expect(row.peerName).toMatch(/scikit-learn: not installed .*pip install scikit-learn/);
      }
    }
  });

  it('--logits adds a real file\'s covariance and CovLassos; --out writes the JSON; --progress draws a bar', () => {
    const out = path.join(dir, 'bench.json');
    const r = bench({}, '--quick', '--no-peers', '--logits', path.join(dir, 'real.npy'), '--rows', '0:200', '--progress', '--out', out);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/\rbench \[.*\] +100% .* done/);
    const rows = tableRows(r.stdout);
    expect(rows.map((row) => row[0])).toEqual(expect.arrayContaining(['covariance of real.npy (200x40)', 'all 40 CovLassos of real.npy (200x40), λ ratio 0.1']));
    for (const row of rows) expect(row[4]).toMatch(/skipped \(--no-peers\)/);
    const json = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(json.format).toBe('covlasso-bench');
    expect(json.rows).toHaveLength(rows.length);
  });

  it('usage errors exit 2 in one line', () => {
    for (const [argv, pattern] of [
      [['bench', 'extra'], /no positional arguments/],
      [['bench', '--rows', '0:10'], /--rows goes with --logits/],
      [['bench', '--repeats', '0'], /--repeats/],
    ] as const) {
      const r = runCli(...argv);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  });
});

/**
 * `covlasso info [--json]`: every backend with compiled / available / detail, the backend a
 * call without `backend:` runs on, and the binary loaded; the same facts as `backends()`.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { backends } from '../lib';
import { runCli } from './support/helpers';

describe('covlasso info', () => {
  it('--json lists the backends as backends() does, and where auto runs', () => {
    const r = runCli('info', '--json');
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout) as { backends: unknown[]; requested: string; runsOn: string; binary: string; platform: string };
    expect(info.backends).toEqual(backends());
    expect(info.requested).toBe('auto');
    const cuda = backends().find((b) => b.name === 'cuda')!;
    expect(info.runsOn).toBe(cuda.available ? 'cuda' : 'cpu');
    expect(info.binary).toMatch(/covlasso.*\.node$/);
    expect(info.platform).toBe(`${process.platform}-${process.arch}`);
  });

  it('prints one row per backend for people, with the detail', () => {
    const r = runCli('info');
    expect(r.status).toBe(0);
    for (const b of backends()) {
      expect(r.stdout).toMatch(new RegExp(`^${b.name}\\s+(yes|no)\\s+(yes|no)\\s+`, 'm'));
      expect(r.stdout).toContain(b.detail);
    }
    expect(r.stdout).toMatch(/runs on: (cpu|cuda)/);
  });

  it('follows COVLASSO_BACKEND, and rejects arguments', () => {
    const bin = path.resolve(__dirname, '..', 'dist', 'cjs', 'cli', 'main.js');
    const r = spawnSync(process.execPath, [bin, 'info', '--json'], { encoding: 'utf8', env: { ...process.env, COVLASSO_BACKEND: 'cpu' } });
    expect(JSON.parse(r.stdout)).toMatchObject({ requested: 'cpu', runsOn: 'cpu' });
    const bad = runCli('info', 'extra');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/info takes no arguments/);
  });
});

/**
 * The API reference: TypeDoc (typedoc.json: lib/index.ts, warnings as errors, every exported
 * declaration and each of its properties and methods documented, no link that does not resolve, no type used by the API that the
 * package does not export) runs without a warning. `npm run docs` writes the HTML to docs/api/.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { CHILD_PROCESS_TEST_TIMEOUT } from './support/helpers';

jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

const root = path.resolve(__dirname, '..');

describe('API reference (TypeDoc)', () => {
  it('typedoc.json treats warnings as errors and validates exports, links and documentation', () => {
    const config = JSON.parse(fs.readFileSync(path.join(root, 'typedoc.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({
      entryPoints: ['lib/index.ts'],
      treatWarningsAsErrors: true,
      validation: { notExported: true, invalidLink: true, notDocumented: true },
    });
    // Documented down to every property of every exported interface, not only the exports.
    expect(config.requiredToBeDocumented).toEqual(expect.arrayContaining(['Class', 'Function', 'Interface', 'TypeAlias', 'Variable', 'Property', 'Method', 'Constructor']));
  });

  it('builds with no warnings', () => {
    const typedoc = path.join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
    const r = spawnSync(process.execPath, [typedoc, '--emit', 'none'], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    if (r.error) throw r.error;
    const output = (r.stdout + r.stderr).replace(/\x1b\[[0-9;]*m/g, '');
    expect(output.split('\n').filter((l) => /\[(warning|error)\]/.test(l))).toEqual([]);
    expect(r.status).toBe(0);
  });
});

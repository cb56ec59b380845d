/**
 * One list of error codes: native/core/error_codes.def (the core's enum and the binding's
 * mapping are generated from it), the addon's exported `errorCodes`, and lib's ERROR_CODES agree,
 * in order; and every code the TS layer maps has its own list entry.
 */
import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ERROR_CODES } from '../lib';
import { loadNative } from '../lib/runtime/native';

const root = path.resolve(__dirname, '..');

function defCodes(): string[] {
  const text = fs.readFileSync(path.join(root, 'native', 'core', 'error_codes.def'), 'utf8');
  return [...text.matchAll(/^COVLASSO_ERROR\(\s*\w+\s*,\s*"([A-Z_]+)"/gm)].map((m) => m[1]);
}

describe('error codes', () => {
  it('error_codes.def, the addon and lib/runtime/errors.ts list the same codes in the same order', () => {
    const def = defCodes();
    expect(def.length).toBeGreaterThanOrEqual(14);
    expect(new Set(def).size).toBe(def.length);
    expect([...ERROR_CODES]).toEqual(def);
    expect(loadNative().errorCodes).toEqual(def);
  });

  it('every ERR_COVLASSO_ code written anywhere in lib/ or native/ is on the list', () => {
    const known = new Set<string>(ERROR_CODES);
    const unknown = new Set<string>();
    for (const dir of ['lib', 'native']) {
      for (const file of fs.readdirSync(path.join(root, dir), { recursive: true }) as string[]) {
        const full = path.join(root, dir, file);
        if (!fs.statSync(full).isFile() || !/\.(ts|cpp|hpp|def|cu|cuh)$/.test(file)) continue;
        for (const m of fs.readFileSync(full, 'utf8').matchAll(/ERR_COVLASSO_[A-Z_]*[A-Z]/g)) if (!known.has(m[0])) unknown.add(`${file}: ${m[0]}`);
      }
    }
    expect([...unknown]).toEqual([]);
  });
});

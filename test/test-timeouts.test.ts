/**
 * Tests must not depend on the machine's speed: no child process in the test suite runs under a
 * fixed `timeout` option (spawnSync / execFile / execFileSync) that a slow or loaded machine can
 * hit; the tests that run child processes rely on jest's generous per-test timeout instead
 * (CHILD_PROCESS_TEST_TIMEOUT in test/support/helpers.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';

const testDir = __dirname;

function testSources(): string[] {
  const out: string[] = [];
  for (const d of [testDir, path.join(testDir, 'support')]) {
    for (const f of fs.readdirSync(d)) if (f.endsWith('.ts')) out.push(path.join(d, f));
  }
  return out;
}

describe('test timeouts', () => {
  it('no child process in the tests has a fixed timeout option', () => {
    const offenders: string[] = [];
    for (const file of testSources()) {
      if (file === __filename) continue;
      fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (/\b(spawnSync|execFileSync|execFile|execSync|spawn)\(/.test(line) && /\btimeout:\s*\d/.test(line)) {
          offenders.push(`${path.relative(testDir, file)}:${i + 1}`);
        }
      });
    }
    expect(offenders).toEqual([]);
  });
});

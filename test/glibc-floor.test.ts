/**
 * The native binary runs on old Linux distributions: linked against the glibc-floor stubs of
 * native/link/glibc-floor.js (binding.gyp and CMakeLists.txt use them on every Linux build, the
 * prebuilt included), with libstdc++ inside, it needs GLIBC_2.17 at most, no GLIBCXX_/CXXABI_
 * version, and no symbol that glibc 2.17 lacked. Checked with `objdump -T` on the binary this
 * checkout loads (build/Release after `npm ci`); test/package.test.ts checks the tarball's
 * prebuilt the same way.
 */
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nativeBinaryPath } from '../lib/runtime/native';
import { hostInfo, PREBUILT_GLIBC_FLOOR } from '../lib/runtime/native-load';
import { CHILD_PROCESS_TEST_TIMEOUT } from './support/helpers';
import { dynamicSymbols, hasObjdump, neededLibraries, newestVersions, portabilityProblems } from './support/elf';

jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

const root = path.resolve(__dirname, '..');
const script = path.join(root, 'native', 'link', 'glibc-floor.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const floorScript = require(script) as { DEFAULT_FLOOR: string };
const binary = nativeBinaryPath();
const glibc = hostInfo().glibc;

const skipWhy =
  process.platform !== 'linux'
    ? 'not Linux'
    : !glibc
      ? 'not a glibc system'
      : !hasObjdump
        ? 'objdump (binutils) is not installed; .ci/run installs it'
        : !binary
          ? 'no native binary is built'
          : null;
if (skipWhy) console.warn(`glibc-floor.test: skipping the symbol checks: ${skipWhy}`);
const elfIt = skipWhy ? it.skip : it;

let tmp: string | undefined;
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('glibc floor of the native binary (objdump -T)', () => {
  it('the floor is 2.17 in native/link/glibc-floor.js, the load-error messages and the README', () => {
    expect(floorScript.DEFAULT_FLOOR).toBe('2.17');
    expect(PREBUILT_GLIBC_FLOOR).toBe(floorScript.DEFAULT_FLOOR);
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(readme).toContain(`glibc ${floorScript.DEFAULT_FLOOR} or newer`);
    expect(readme).toContain(`\`GLIBC_${floorScript.DEFAULT_FLOOR}\` at most`);
  });

  elfIt(`needs GLIBC_${floorScript.DEFAULT_FLOOR} at most, no GLIBCXX_/CXXABI_, and no unversioned C library symbol`, () => {
    const file = binary!;
    const newest = newestVersions(file);
    console.log(`glibc-floor.test: ${path.relative(root, file)} needs ${JSON.stringify(newest)}; NEEDED ${neededLibraries(file).join(' ')}`);
    expect(portabilityProblems(file, floorScript.DEFAULT_FLOOR)).toEqual([]);
    expect(newest.GLIBC).toBeDefined();
    expect(newest.GLIBCXX).toBeUndefined();
    expect(newest.CXXABI).toBeUndefined();
  });

  elfIt('has libstdc++ inside and hidden: no libstdc++.so.6, no std:: runtime symbol exported', () => {
    const file = binary!;
    expect(neededLibraries(file).filter((l) => l.startsWith('libstdc++'))).toEqual([]);
    // libstdc++'s own functions (e.g. std::__throw_bad_alloc, operator new) are local, so they
    // never interpose with the libstdc++ of Node or of another addon.
    const exported = dynamicSymbols(file).filter((s) => !s.undefined).map((s) => s.name);
    expect(exported.filter((n) => n === '_ZSt17__throw_bad_allocv' || n === '_Znwm' || n === '__cxa_throw')).toEqual([]);
  });

  elfIt('the stub generator binds each symbol to its version at the floor (2.28 here) and puts moved ones back in libpthread', () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-glibc-floor-'));
    const r = spawnSync(process.execPath, [script, 'link', tmp], { encoding: 'utf8', env: { ...process.env, COVLASSO_GLIBC_FLOOR: '2.28', COVLASSO_GLIBC_FLOOR_STRICT: '1' } });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout.trim().split(' ')).toEqual([`-L${tmp}`, path.join(tmp, 'compat.o'), '-lpthread', '-ldl', '-lrt']);
    const version = (lib: string, name: string): string | null | undefined => dynamicSymbols(path.join(tmp!, lib)).find((s) => s.name === name && !s.undefined)?.version;
    expect(version('libm.so.6', 'log')).toBe('GLIBC_2.2.5'); // log@GLIBC_2.29 is newer than the floor
    expect(version('libc.so.6', 'memcpy')).toBe('GLIBC_2.14');
    expect(version('libpthread.so.0', 'pthread_create')).toBe('GLIBC_2.2.5'); // in libc.so.6 only since 2.34
    expect(version('libc.so.6', 'pthread_create')).toBeUndefined();
    expect(version('libdl.so.2', 'dlopen')).toBe('GLIBC_2.2.5');
    expect(version('libc.so.6', '__libc_single_threaded')).toBeUndefined(); // glibc 2.32: compat.o defines it
  });

  it('COVLASSO_GLIBC_FLOOR=off links against the real libraries; a bad floor is an error in strict mode', () => {
    const off = spawnSync(process.execPath, [script, 'link', path.join(os.tmpdir(), 'covlasso-unused')], { encoding: 'utf8', env: { ...process.env, COVLASSO_GLIBC_FLOOR: 'off' } });
    expect({ status: off.status, stdout: off.stdout }).toEqual({ status: 0, stdout: '\n' });
    const bad = spawnSync(process.execPath, [script, 'link', path.join(os.tmpdir(), 'covlasso-unused')], { encoding: 'utf8', env: { ...process.env, COVLASSO_GLIBC_FLOOR: '2.5', COVLASSO_GLIBC_FLOOR_STRICT: '1' } });
    if (process.platform === 'linux') {
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toContain('below 2.17');
    }
  });
});

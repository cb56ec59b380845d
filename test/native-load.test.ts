/**
 * A native binary that exists but does not load says why and what to do (NativeLoadError,
 * `ERR_COVLASSO_NATIVE_LOAD_FAILED`, with the system loader's own message): a corrupted file, a
 * truncated one (checked before loading: mapping it would kill the process with SIGBUS), another
 * architecture or word size, a GLIBC_ version this system lacks. Broken copies of the real binary
 * are put in a temporary package's prebuilds/ and loaded the way the package loads its own
 * (node-gyp-build's choice, `loadNativeFrom`), in this process (each fails before any of its
 * code runs) and, through the public API with `COVLASSO_PREBUILD`, in a child process.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CovlassoError, NativeLoadError, NativeUnavailableError } from '../lib';
import { loadNativeFrom, nativeBinaryPath } from '../lib/runtime/native';
import { diagnoseLoadError, hostInfo, type NativeHostInfo } from '../lib/runtime/native-load';
import { CHILD_PROCESS_TEST_TIMEOUT } from './support/helpers';

jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

const root = path.resolve(__dirname, '..');
const real = nativeBinaryPath();
const linux = process.platform === 'linux';
const glibc = hostInfo().glibc;
const elfIt = linux && real ? it : it.skip;
const glibcIt = linux && glibc && real ? it : it.skip;

let work: string;
let n = 0;

/** A package folder whose prebuilds/<platform>-<arch>/covlasso.node holds `bytes`. */
function packageWith(bytes: Buffer | string): { dir: string; file: string } {
  const dir = path.join(work, `pkg-${n++}`);
  const file = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`, 'covlasso.node');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'covlasso-broken-copy', version: '0.0.0' }));
  fs.writeFileSync(file, bytes);
  return { dir, file };
}

function loadError(dir: string): NativeLoadError {
  try {
    loadNativeFrom(dir);
  } catch (error) {
    expect(error).toBeInstanceOf(NativeLoadError);
    return error as NativeLoadError;
  }
  throw new Error(`loading ${dir} did not fail`);
}

function expectLoadError(e: NativeLoadError, file: string, problem: string): void {
  expect(e).toBeInstanceOf(NativeUnavailableError);
  expect(e).toBeInstanceOf(CovlassoError);
  expect({ name: e.name, code: e.code, problem: e.problem, binaryPath: e.binaryPath }).toEqual({
    name: 'NativeLoadError',
    code: 'ERR_COVLASSO_NATIVE_LOAD_FAILED',
    problem,
    binaryPath: file,
  });
  expect(e.message).toContain(`binary: ${file}`);
  expect(e.message).toContain(`loader: ${e.loaderMessage}`);
  expect(e.message).toContain('Possible solutions:');
  expect(e.message).toContain('--build-from-source');
  expect(e.message).not.toContain('no native binary');
}

/** The real binary with `edit` applied to a copy of its bytes. */
function patched(edit: (b: Buffer) => void): Buffer {
  const b = Buffer.from(fs.readFileSync(real!));
  edit(b);
  return b;
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-native-load-'));
});
afterAll(() => {
  if (work && !process.env.COVLASSO_KEEP_TMP) fs.rmSync(work, { recursive: true, force: true });
});

describe('a native binary that does not load', () => {
  it('a corrupted file (not a binary): problem "corrupted", with the loader\'s message', () => {
    const { dir, file } = packageWith('this is not a shared library\n');
    const e = loadError(dir);
    expectLoadError(e, file, 'corrupted');
    if (linux) expect(e.loaderMessage).toMatch(/file too short|invalid ELF header/);
    expect(e.message).toMatch(/truncated or corrupted/);
    expect(e.message).toContain('rm -rf node_modules/covlasso && npm install covlasso');
  });

  elfIt('a truncated copy of the real binary is refused before loading (no SIGBUS), problem "corrupted"', () => {
    const { dir, file } = packageWith(fs.readFileSync(real!).subarray(0, 64 * 1024));
    const e = loadError(dir);
    expectLoadError(e, file, 'corrupted');
    expect(e.loaderMessage).toMatch(/^not loaded: the file has 65536 bytes but its ELF headers and segments need \d+/);
    expect(e.message).toContain('truncated (65536 of at least');
  });

  elfIt('the real binary for another architecture (ELF e_machine): problem "architecture", naming both', () => {
    const other = process.arch === 'arm64' ? { machine: 62, arch: 'x64' } : { machine: 183, arch: 'arm64' };
    const { dir, file } = packageWith(patched((b) => b.writeUInt16LE(other.machine, 18)));
    const e = loadError(dir);
    expectLoadError(e, file, 'architecture');
    expect(e.message).toContain(`the binary is for ${other.arch} (64-bit), but this Node runs on ${process.platform}-${process.arch}`);
    expect(e.loaderMessage.length).toBeGreaterThan(0); // glibc: "cannot open shared object file"
  });

  elfIt('a 32-bit binary: problem "architecture" (the loader says wrong ELF class)', () => {
    const { dir, file } = packageWith(patched((b) => (b[4] = 1)));
    const e = loadError(dir);
    expectLoadError(e, file, 'architecture');
    if (glibc) expect(e.loaderMessage).toContain('wrong ELF class: ELFCLASS32');
  });

  glibcIt('a binary that needs a GLIBC_ version this system lacks: problem "glibc", with the version and this glibc', () => {
    // Rename one version the binary needs (GLIBC_2.14, memcpy's) to GLIBC_9.14: the dynamic
    // loader then fails exactly as an old distribution does on a binary built for a newer one.
    const { dir, file } = packageWith(
      patched((b) => {
        let count = 0;
        for (let i = b.indexOf('GLIBC_2.14\0'); i >= 0; i = b.indexOf('GLIBC_2.14\0', i + 1), count++) b.write('GLIBC_9.14', i, 'latin1');
        expect(count).toBeGreaterThan(0);
      }),
    );
    const e = loadError(dir);
    expectLoadError(e, file, 'glibc');
    expect(e.loaderMessage).toMatch(/version [`']GLIBC_9\.14' not found \(required by /);
    expect(e.message).toContain(`the binary needs GLIBC_9.14, newer than this system's glibc ${glibc}`);
    expect(e.message).toContain('glibc 2.17 or newer');
  });

  it('no binary at all is still NativeUnavailableError (ERR_COVLASSO_NATIVE_UNAVAILABLE), not a load failure', () => {
    const dir = path.join(work, 'empty');
    fs.mkdirSync(dir, { recursive: true });
    let error: unknown;
    try {
      loadNativeFrom(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NativeUnavailableError);
    expect(error).not.toBeInstanceOf(NativeLoadError);
    expect((error as NativeUnavailableError).code).toBe('ERR_COVLASSO_NATIVE_UNAVAILABLE');
    expect((error as Error).message).toContain(`no native binary for ${process.platform}-${process.arch}`);
  });

  it('through the public API in a child process (COVLASSO_PREBUILD): the first call throws NativeLoadError', () => {
    const { dir, file } = packageWith(Buffer.alloc(100, 0x41));
    // COVLASSO_PREBUILD (node-gyp-build's override) points covlasso at the package folder `dir`.
    const script = `
const c = require(${JSON.stringify(path.join(root, 'dist', 'cjs', 'index.js'))});
try { c.covarianceSync(new c.Matrix(1, 1, new Float64Array([1]))); console.log(JSON.stringify({ loaded: true })); }
catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, problem: e.problem, binaryPath: e.binaryPath, isLoad: e instanceof c.NativeLoadError, isUnavailable: e instanceof c.NativeUnavailableError, message: e.message })); }
`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, COVLASSO_PREBUILD: dir } });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    expect(out).toMatchObject({ name: 'NativeLoadError', code: 'ERR_COVLASSO_NATIVE_LOAD_FAILED', problem: 'corrupted', binaryPath: file, isLoad: true, isUnavailable: true });
    expect(String(out.message)).toContain('Possible solutions:');
  });

  it('the CLI says it once: "covlasso: could not load ...", never "covlasso: covlasso:"', () => {
    const { dir } = packageWith(Buffer.alloc(100, 0x41));
    const r = spawnSync(process.execPath, [path.join(root, 'dist', 'cjs', 'cli', 'main.js'), 'info'], { encoding: 'utf8', env: { ...process.env, COVLASSO_PREBUILD: dir } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^covlasso: could not load the native binary/);
    expect(r.stderr).not.toMatch(/covlasso: covlasso:/);
    expect(r.stderr).toMatch(/ERR_COVLASSO_NATIVE_LOAD_FAILED/);
  });
});

describe('diagnoseLoadError (messages of other loaders and systems)', () => {
  const host: NativeHostInfo = { platform: 'linux', arch: 'x64', node: '20.0.0', glibc: '2.31', musl: false };
  const missing = path.join(os.tmpdir(), 'covlasso-no-such-file.node');

  it('GLIBCXX_ (a source build copied from a newer system): problem "libstdc++"', () => {
    const d = diagnoseLoadError(missing, new Error("/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.30' not found (required by x.node)"), host);
    expect(d.problem).toBe('libstdc++');
    expect(d.why).toContain('GLIBCXX_3.4.30');
  });

  it('a glibc binary on musl (Alpine): problem "musl", with the apk packages to build it', () => {
    const d = diagnoseLoadError(missing, new Error('Error loading shared library ld-linux-x86-64.so.2: No such file or directory (needed by x.node)'), { ...host, glibc: undefined, musl: true });
    expect(d.problem).toBe('musl');
    expect(d.solutions.join(' ')).toContain('apk add build-base python3');
  });

  it('a missing shared library, a missing symbol, a noexec mount', () => {
    expect(diagnoseLoadError(missing, new Error('libfoo.so.1: cannot open shared object file: No such file or directory'), host)).toMatchObject({ problem: 'missing-library', why: expect.stringContaining('libfoo.so.1') });
    expect(diagnoseLoadError(missing, new Error('/x/covlasso.node: undefined symbol: napi_foo'), host)).toMatchObject({ problem: 'missing-symbol', why: expect.stringContaining('napi_foo') });
    expect(diagnoseLoadError(missing, new Error('/x/covlasso.node: failed to map segment from shared object'), host).problem).toBe('permission');
  });

  it('macOS and Windows wording of another architecture', () => {
    expect(diagnoseLoadError(missing, new Error("dlopen(x.node, 0x0001): tried: 'x.node' (mach-o file, but is an incompatible architecture (have 'x86_64', need 'arm64'))"), { ...host, platform: 'darwin', arch: 'arm64' }).problem).toBe('architecture');
    expect(diagnoseLoadError(missing, new Error('\\\\?\\C:\\x\\covlasso.node is not a valid Win32 application.'), { ...host, platform: 'win32' }).problem).toBe('architecture');
  });
});

/**
 * Loading the native addon: a prebuilt binary shipped in `prebuilds/` (what users who install
 * covlasso as a dependency get, with install scripts blocked), else a local source build in
 * `build/` (what `npm ci` in a clone produces). Loaded lazily, on first use, so that importing
 * the package never throws.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NativeLoadError, NativeUnavailableError } from './errors';
import { diagnoseLoadError, hostInfo, loadErrorMessage, loaderMessage, truncation } from './native-load';
import type { NativeAddon } from './native-types';

export type * from './native-types';

let addon: NativeAddon | undefined;

/** The package root: the nearest folder above this file with covlasso's package.json (lib/runtime/ in a clone, dist/cjs/runtime/ when built). */
export const packageRoot = findPackageRoot(__dirname);

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'covlasso') return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..', '..');
  }
}

/** The path of the native binary this install loads (prebuilds/ or build/), or null when there is none. */
export function nativeBinaryPath(): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('node-gyp-build') as { path: (dir: string) => string }).path(packageRoot);
  } catch {
    return null;
  }
}

/**
 * Returns the loaded addon, loading it on first call.
 * @throws NativeUnavailableError when there is no binary for this platform; its subclass
 * NativeLoadError when there is one but the system loader refuses it (the message says why and
 * what to do).
 */
export function loadNative(): NativeAddon {
  if (!addon) addon = loadNativeFrom(packageRoot);
  return addon;
}

/**
 * Loads the addon that node-gyp-build picks for the package in `dir` (its build/Release, else
 * prebuilds/<platform>-<arch>/ by libc tag; `COVLASSO_PREBUILD=<dir>` points it elsewhere),
 * without caching it. {@link loadNative} is this for the installed package.
 * @throws NativeUnavailableError when there is no binary; NativeLoadError when it does not load
 */
export function loadNativeFrom(dir: string): NativeAddon {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const gypBuild = require('node-gyp-build') as { path: (dir: string) => string };
  let file: string;
  try {
    file = gypBuild.path(dir);
  } catch (error) {
    const host = hostInfo();
    const libc = host.musl ? ', musl: the prebuilt binaries are for glibc' : host.glibc ? `, glibc ${host.glibc}` : '';
    throw new NativeUnavailableError(
      `covlasso: no native binary for ${host.platform}-${host.arch} (node ${host.node}${libc}): ` +
        'no prebuilt binary in prebuilds/ and no source build in build/. Build it with ' +
        '`npm rebuild covlasso --build-from-source` (needs a C++17 compiler, Python 3 and make for node-gyp).',
      error,
    );
  }
  try {
    const truncated = truncation(file);
    if (truncated) throw new Error(truncated);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as NativeAddon;
  } catch (error) {
    const diagnosis = diagnoseLoadError(file, error);
    throw new NativeLoadError(loadErrorMessage(file, error, diagnosis), { binaryPath: file, problem: diagnosis.problem, loaderMessage: loaderMessage(error) }, error);
  }
}

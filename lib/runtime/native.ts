/**
 * Loading the native addon: a prebuilt binary shipped in `prebuilds/` (what users who install
 * covlasso as a dependency get, with install scripts blocked), else a local source build in
 * `build/` (what `npm ci` in a clone produces). Loaded lazily, on first use, so that importing
 * the package never throws.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NativeUnavailableError } from './errors';
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
 * @throws NativeUnavailableError with one clear message when no binary can be found.
 */
export function loadNative(): NativeAddon {
  if (addon) return addon;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = require('node-gyp-build') as (dir: string) => NativeAddon;
    addon = load(packageRoot);
  } catch (error) {
    throw new NativeUnavailableError(
      `covlasso: no native binary for ${process.platform}-${process.arch} (node ${process.versions.node}): ` +
        'no prebuilt binary in prebuilds/ and no source build in build/. Build it with ' +
        '`npm rebuild covlasso` (needs a C++17 compiler and Python for node-gyp).',
      error,
    );
  }
  return addon;
}

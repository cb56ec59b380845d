/**
 * Loading the native addon: a prebuilt binary shipped in `prebuilds/` (what users who install
 * covlasso as a dependency get, with install scripts blocked), else a local source build in
 * `build/` (what `npm ci` in a clone produces). Loaded lazily, on first use, so that importing
 * the package never throws.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AccumulatorState } from './accumulator-state';
import { NativeUnavailableError } from './errors';

/** Arguments object understood by the native jobs (internal). */
export type NativeArgs = Record<string, unknown>;

/** Control object passed next to the arguments of an async native job (internal). */
export interface NativeControl {
  token?: NativeCancelToken;
  onProgress?: (fraction: number) => void;
}

/** Native cancel flag (internal). */
export interface NativeCancelToken {
  cancel(): void;
}

/** Streaming moment accumulator implemented in C++ (internal; see CovarianceAccumulator). */
export interface NativeMomentAccumulator {
  update(args: NativeArgs, control?: NativeControl): Promise<void>;
  updateSync(args: NativeArgs): void;
  merge(other: NativeMomentAccumulator): void;
  count(): number;
  result(center: boolean, ddof: number, out: Float64Array): void;
  state(): Omit<AccumulatorState, 'colsX' | 'colsY' | 'symmetric'>;
}

/** The addon's exports (internal). */
export interface NativeAddon {
  covLasso(args: NativeArgs, control?: NativeControl): Promise<NativeCsc>;
  covLassoSync(args: NativeArgs): NativeCsc;
  covariance(args: NativeArgs, control?: NativeControl): Promise<void>;
  covarianceSync(args: NativeArgs): void;
  MomentAccumulator: new (
    colsX: number,
    colsY: number,
    symmetric: boolean,
    state?: ReturnType<NativeMomentAccumulator['state']>,
  ) => NativeMomentAccumulator;
  CancelToken: new () => NativeCancelToken;
  hardwareThreads: number;
}

/** Compressed sparse columns as the addon returns them (internal). */
export interface NativeCsc {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

let addon: NativeAddon | undefined;

/** The package root: the compiled dist/cjs/native.js sits two levels below it, lib/native.ts one. */
export const packageRoot = fs.existsSync(path.join(__dirname, '..', 'package.json'))
  ? path.resolve(__dirname, '..')
  : path.resolve(__dirname, '..', '..');

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

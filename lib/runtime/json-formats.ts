/**
 * The JSON formats covlasso writes (the CLI's outputs, and the files the distributed steps
 * write as the CLI would): each document carries `format` and `version` first. Reading and
 * checking them against their schemas is lib/cli/formats.ts.
 * @module
 */

/** Every JSON format the CLI writes. */
export const CLI_FORMATS = [
  'covlasso-deps',
  'covlasso-deps-target',
  'covlasso-cross',
  'covlasso-cross-both',
  'covlasso-unseen',
  'covlasso-diagnose',
  'covlasso-choose',
  'covlasso-info',
  'covlasso-graph',
  'covlasso-bench',
] as const;

/** A JSON format the CLI writes (see {@link CLI_FORMATS}). */
export type CliFormat = (typeof CLI_FORMATS)[number];

/** The version of every format above that this covlasso writes (and the newest it reads). */
export const FORMAT_VERSION = 1;

/** `value` with `format` and `version` first (they win over any fields of the same names in `value`). */
export function stamp<T extends object>(format: CliFormat, value: T): { format: CliFormat; version: number } & Omit<T, 'format' | 'version'> {
  return Object.assign({ format, version: FORMAT_VERSION }, value, { format, version: FORMAT_VERSION });
}

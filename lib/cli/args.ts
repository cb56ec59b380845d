/**
 * A small, strict command-line parser: `--flag value`, `--flag=value`, boolean switches,
 * positionals. Unknown flags are usage errors.
 * @module
 */
import { refuseOutputOverInput, writeOutputSync } from './output';
import { UsageError } from './usage';

export { UsageError } from './usage';

/** Parsed command line. */
export interface ParsedArgs {
  positionals: string[];
  values: Map<string, string>;
  switches: Set<string>;
}

/**
 * Parses argv (without node and script) against the flags a command accepts.
 * @param valueFlags - flags that take a value
 * @param switchFlags - flags that take none
 */
export function parseArgs(argv: readonly string[], valueFlags: readonly string[], switchFlags: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { positionals: [], values: new Map(), switches: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--') || arg === '--') {
      parsed.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (switchFlags.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      parsed.switches.add(name);
    } else if (valueFlags.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      parsed.values.set(name, value);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  refuseOutputOverInput(parsed);
  return parsed;
}

/** A number option, or undefined when absent. */
export function numberOption(args: ParsedArgs, name: string, check?: (v: number) => boolean): number | undefined {
  const raw = args.values.get(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || (check && !check(value))) {
    throw new UsageError(`--${name}: invalid value '${raw}'`);
  }
  return value;
}

/** `a:b` → [a, b] (either side may be omitted: `:b`, `a:`), checked against `limit`. */
export function rangeOption(raw: string, limit: number, name: string): [number, number] {
  const m = /^(\d*):(\d*)$/.exec(raw);
  if (!m) throw new UsageError(`--${name}: expected a:b, got '${raw}'`);
  const begin = m[1] === '' ? 0 : Number(m[1]);
  const end = m[2] === '' ? limit : Number(m[2]);
  if (begin >= end || end > limit) throw new UsageError(`--${name}: range ${raw} is empty or outside 0:${limit}`);
  return [begin, end];
}

/** `1,5,9` or `a:b` (or a mix: `1,4:8`) → indices below `limit`. */
export function indexListOption(raw: string, limit: number, name: string): number[] {
  const out: number[] = [];
  for (const part of raw.split(',')) {
    if (part.includes(':')) {
      const [a, b] = rangeOption(part, limit, name);
      for (let i = a; i < b; i++) out.push(i);
    } else {
      const v = Number(part);
      if (part.trim() === '' || !Number.isInteger(v) || v < 0 || v >= limit) {
        throw new UsageError(`--${name}: '${part}' is not an index in 0..${limit - 1}`);
      }
      out.push(v);
    }
  }
  return out;
}

/** A check for {@link numberOption}: a positive integer. */
export const positiveInteger = (v: number): boolean => Number.isInteger(v) && v >= 1;

/** The one positional argument a command takes (a usage error otherwise). */
export function onePositional(args: ParsedArgs, what: string): string {
  if (args.positionals.length !== 1) throw new UsageError(`expected exactly one ${what}, got ${args.positionals.length}`);
  return args.positionals[0];
}

/** Writes a command's JSON result to `--out` (atomically, lib/cli/output.ts), or to stdout without it. */
export function writeJsonOutput(args: ParsedArgs, value: unknown): void {
  const json = JSON.stringify(value);
  const out = args.values.get('out');
  if (out === undefined) process.stdout.write(`${json}\n`);
  else writeOutputSync(out, json);
}

/**
 * The CLI's command-line parsing: Node's own `util.parseArgs` (long flags `--flag value` and
 * `--flag=value`, short flags `-o value`, `-ovalue` and grouped switches `-qh`, `--` ending the
 * options) against the flags each command accepts, plus the range and index-list helpers.
 * Unknown flags are usage errors; `--help` / `-h` is a {@link HelpRequest}.
 * @module
 */
import { parseArgs as parseNodeArgs } from 'node:util';
import { refuseOutputOverInput, writeOutputSync } from './output';
import { HelpRequest, UsageError } from './usage';
import { CliFormat, stamp } from './formats';

export { HelpRequest, UsageError } from './usage';

/** Parsed command line. */
export interface ParsedArgs {
  positionals: string[];
  values: Map<string, string>;
  switches: Set<string>;
}

/** The short flags, each the alias of a long one (given to a command only when it has the long one). */
export const SHORT_FLAGS: Readonly<Record<string, string>> = { h: 'help', o: 'out', q: 'quiet', j: 'threads', t: 'targets', r: 'rows' };

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** `--lambda -1` / `-j -1`: a negative number after a flag that takes a value is that value, written `--lambda=-1` / `-j-1`. */
function joinNegativeValues(argv: readonly string[], options: OptionSpec): string[] {
  const out: string[] = [];
  const longOf = new Map(Object.entries(options).filter(([, o]) => o.short).map(([name, o]) => [`-${o.short}`, name]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return out.concat(argv.slice(i));
    const name = arg.startsWith('--') ? arg.slice(2) : longOf.get(arg);
    const next = argv[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(arg.startsWith('--') ? `${arg}=${next}` : `${arg}${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** `--help` or `-h` among the options (before any `--`). */
function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** util.parseArgs's errors as one-line usage errors. */
function usageErrorOf(error: unknown): Error {
  const e = error as { code?: string; message?: string };
  const message = String(e?.message ?? error);
  const option = /'(-[^' ,]+)(?:, (--[^' ]+))?/.exec(message);
  const flag = option ? (option[2] ?? option[1]) : '?';
  if (e?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option ${flag} (a positional starting with '-' goes after --)`);
  if (e?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(message)) return new UsageError(`${flag} takes no value`);
    if (/ambiguous/.test(message)) return new UsageError(`${flag} needs a value (a value starting with '-' is written ${flag}=-value)`);
    return new UsageError(`${flag} needs a value`);
  }
  if (e?.code?.startsWith('ERR_PARSE_ARGS')) return new UsageError(message.split('\n')[0]);
  return error as Error;
}

/**
 * Parses argv (without node, script and command) against the flags a command accepts, with
 * Node's `util.parseArgs`; every command also takes `--help` / `-h`, and the short flags of
 * {@link SHORT_FLAGS} for the long ones it has.
 * @param valueFlags - flags that take a value
 * @param switchFlags - flags that take none
 * @throws HelpRequest on `--help` / `-h`; UsageError (one line) on anything it cannot parse,
 *   and when an output names an input
 */
export function parseArgs(argv: readonly string[], valueFlags: readonly string[], switchFlags: readonly string[]): ParsedArgs {
  const options: OptionSpec = {};
  for (const name of valueFlags) options[name] = { type: 'string' };
  for (const name of [...switchFlags, 'help']) options[name] = { type: 'boolean' };
  for (const [short, long] of Object.entries(SHORT_FLAGS)) if (options[long]) options[long].short = short;
  let result: ReturnType<typeof parseNodeArgs>;
  try {
    result = parseNodeArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: true, strict: true });
  } catch (error) {
    if (asksForHelp(argv)) throw new HelpRequest();
    throw usageErrorOf(error);
  }
  if (result.values.help) throw new HelpRequest();
  const parsed: ParsedArgs = { positionals: [...result.positionals], values: new Map(), switches: new Set() };
  for (const [name, value] of Object.entries(result.values)) {
    if (typeof value === 'string') parsed.values.set(name, value);
    else if (value === true) parsed.switches.add(name);
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

/**
 * Writes a command's JSON result, with `format` and `version` first (lib/cli/formats.ts), to
 * `--out` (atomically, lib/cli/output.ts), or to stdout without it.
 */
export function writeJsonOutput(args: ParsedArgs, format: CliFormat, value: object): void {
  const json = JSON.stringify(stamp(format, value));
  const out = args.values.get('out');
  if (out === undefined) process.stdout.write(`${json}\n`);
  else writeOutputSync(out, json);
}

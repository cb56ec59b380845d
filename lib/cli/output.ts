/**
 * How the CLI writes its output files: never over one of its inputs, and atomically. Each file
 * is written to a temporary file in the same directory and renamed over the target, so an
 * interrupted command leaves the target as it was (never a truncated file with a valid
 * header); while a write is in flight, SIGINT / SIGTERM remove the temporary files and exit
 * with 130 / 143.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { writeAtomically, writeAtomicallySync } from '../runtime/atomic-file';
import { UsageError } from './usage';

/** Flags whose value is a file a command writes. */
export const OUTPUT_FLAGS: readonly string[] = ['out', 'save-state', 'graph', 'report'];

/**
 * Refuses a command line whose output names one of its inputs (or another output): the same
 * file, compared by device and inode (so a symlink or another spelling of the path, or a hard
 * link, is the same file). Inputs are the positionals and the values of the other flags
 * (comma-separated lists included) that name existing files.
 * @throws UsageError (exit status 2), in one line
 */
export function refuseOutputOverInput(args: { readonly positionals: readonly string[]; readonly values: ReadonlyMap<string, string> }): void {
  const identity = (file: string): string | undefined => {
    try {
      const s = fs.statSync(file);
      return s.isFile() ? `${s.dev}:${s.ino}` : undefined;
    } catch {
      return undefined;
    }
  };
  const inputs = new Map<string, string>();
  const candidates = [...args.positionals];
  for (const [flag, value] of args.values) if (!OUTPUT_FLAGS.includes(flag)) candidates.push(value, ...value.split(','));
  for (const file of candidates) {
    const id = identity(file);
    if (id !== undefined && !inputs.has(id)) inputs.set(id, file);
  }
  const outputs = new Map<string, string>();
  for (const flag of OUTPUT_FLAGS) {
    const file = args.values.get(flag);
    if (file === undefined) continue;
    const id = identity(file);
    if (id === undefined) {
      const other = [...outputs].find(([, f]) => path.resolve(f) === path.resolve(file));
      if (other) throw new UsageError(`--${flag} ${file} is also --${other[0]}: refusing to write one file twice`);
      outputs.set(flag, file);
      continue;
    }
    const input = inputs.get(id);
    if (input !== undefined) throw new UsageError(`--${flag} ${file} is the input file ${input}: refusing to overwrite it`);
    const other = [...outputs].find(([, f]) => identity(f) === id);
    if (other) throw new UsageError(`--${flag} ${file} is also --${other[0]}: refusing to write one file twice`);
    outputs.set(flag, file);
  }
}

const inFlight = new Set<string>();
const SIGNALS: ReadonlyArray<[NodeJS.Signals, number]> = [['SIGINT', 130], ['SIGTERM', 143]];
const handlers = new Map<NodeJS.Signals, () => void>();

/** Keeps the set of temporary files in flight, with the signal handlers installed while it is not empty. */
function track(tmp: string, active: boolean): void {
  if (active) inFlight.add(tmp);
  else inFlight.delete(tmp);
  if (inFlight.size > 0 && handlers.size === 0) {
    for (const [signal, status] of SIGNALS) {
      const handler = (): void => {
        for (const file of inFlight) fs.rmSync(file, { force: true });
        process.exit(status);
      };
      handlers.set(signal, handler);
      process.on(signal, handler);
    }
  } else if (inFlight.size === 0) {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    handlers.clear();
  }
}

/** Writes `target` through `write(tmp)` (which creates the file tmp), then renames tmp over it. */
export function writeOutput(target: string, write: (tmp: string) => Promise<void>): Promise<void> {
  return writeAtomically(target, write, track);
}

/** Writes `data` to `target` atomically (a temporary file in the same directory, renamed). */
export const writeOutputSync = writeAtomicallySync;

/**
 * Output into a pipe whose reader has gone (`covlasso deps … | head -c 100`) ends the command
 * quietly, like other Unix tools: on EPIPE from stdout the process removes any temporary output
 * in flight and exits with status 0 (no stack trace); EPIPE on stderr is ignored (nobody reads
 * it). Other stream errors are thrown as before. For the `covlasso` bin, not for library use.
 */
export function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  const exits = stream === process.stdout;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (!exits) return;
    for (const file of inFlight) fs.rmSync(file, { force: true });
    process.exit(0);
  });
}

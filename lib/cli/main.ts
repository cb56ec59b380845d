#!/usr/bin/env node
/**
 * The `covlasso` command line: `deps`, `cov`, `demo`, `info`, `bench`, …. JSON out (each file
 * with its `format` and `version`); a progress bar with an ETA on stderr for long runs; on bad
 * input a non-zero exit status and one line saying why; output into a pipe that closes early
 * (`covlasso deps … | head`) ends quietly with status 0.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../runtime/native';
import { CovlassoError, NotConvergedError } from '../runtime/errors';
import { runCov, runDeps, runDemo } from './commands';
import { HelpRequest, UsageError } from './args';
import { runCross } from './cross';
import { runUnseen } from './unseen';
import { runReport } from './report';
import { runChoose, runDiagnose } from './analyze';
import { runInfo } from './info';
import { runBench } from './bench';
import { runMerge, runQueue } from './distributed';
import { endQuietlyOnClosedPipe } from './output';
import { COMMAND_USAGE, OVERVIEW } from './usage';

/** The commands, by name. */
const COMMANDS: Readonly<Record<string, (argv: readonly string[]) => Promise<void>>> = {
  deps: runDeps,
  cov: runCov,
  cross: runCross,
  unseen: runUnseen,
  diagnose: runDiagnose,
  choose: runChoose,
  demo: runDemo,
  report: runReport,
  info: runInfo,
  bench: runBench,
  merge: runMerge,
  queue: runQueue,
};

/** Exit status of `deps --strict` when a target did not converge (the output is written). */
export const EXIT_NOT_CONVERGED = 3;

/**
 * Runs the CLI with the given arguments (without node and the script); resolves to the exit
 * status: 0 done (and `--help`), 1 failed, 2 a bad command line (bare `covlasso` included, which
 * prints the overview to stderr), 3 `deps --strict` with a target that did not converge.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    process.stderr.write(OVERVIEW);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined;
    process.stdout.write(topic !== undefined && COMMAND_USAGE[topic] ? `${COMMAND_USAGE[topic]}\n` : OVERVIEW);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')).version}\n`);
    return 0;
  }
  const run = Object.prototype.hasOwnProperty.call(COMMANDS, command) ? COMMANDS[command] : undefined;
  try {
    if (run === undefined) throw new UsageError(`unknown command '${command}' (try covlasso --help)`);
    await run(rest);
    return 0;
  } catch (error) {
    if (error instanceof HelpRequest) {
      process.stdout.write(`${COMMAND_USAGE[command]}\n`);
      return 0;
    }
    process.stderr.write(`covlasso: ${describeError(error)}\n`);
    if (error instanceof UsageError) return 2;
    return error instanceof NotConvergedError ? EXIT_NOT_CONVERGED : 1;
  }
}

function describeError(error: unknown): string {
  if (error instanceof UsageError) return `usage: ${error.message}`;
  // The main line prints 'covlasso: ' itself; a message that starts with it (the loader's) must not repeat it.
  if (error instanceof CovlassoError) return `${error.message.replace(/^covlasso: /, '')} (${error.code})`;
  const e = error as NodeJS.ErrnoException;
  if (e && e.code === 'ENOENT') return `no such file: ${e.path ?? e.message}`;
  if (e && typeof e.code === 'string' && typeof e.message === 'string') return `${e.message.split('\n')[0]} (${e.code})`;
  return String(e?.message ?? error).split('\n')[0];
}

if (require.main === module) {
  endQuietlyOnClosedPipe(process.stdout);
  endQuietlyOnClosedPipe(process.stderr);
  main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}

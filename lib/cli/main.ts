#!/usr/bin/env node
/**
 * The `covlasso` command line: `deps`, `cov`, `demo`. JSON out; a progress bar on stderr for
 * long runs; on bad input a non-zero exit status and one line saying why.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../native';
import { CovlassoError } from '../errors';
import { runCov, runDeps, runDemo } from './commands';
import { UsageError } from './args';

const HELP = `covlasso: sparse neural dependencies between classifier logits (Covariance Lasso)

Usage:
  covlasso deps <logits.npy> [--rows a:b] [--targets i,j,a:b] [--lambda-ratio r | --lambda x]
                [--center] [--tol t] [--max-iter n] [--threads n] [--names classes.json]
                [--out deps.json] [--progress | --quiet]
  covlasso cov <logits.npy> --out cov.npy [--rows a:b] [--center] [--ddof d] [--threads n]
  covlasso demo [--threads n]
  covlasso --help | --version

deps   one lasso per target category on the logit covariance; writes JSON (stdout without --out)
cov    the float64 covariance (second moment, or --center) as a .npy file
demo   runs the whole job on a built-in synthetic model and prints the strongest dependencies

λ convention: our λ is scikit-learn's alpha (objective ½·variance + λ‖β‖₁); the paper's λ is 2× ours.
Environment: COVLASSO_THREADS (default thread count).
`;

/** Runs the CLI with the given arguments; resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'deps':
        await runDeps(rest);
        return 0;
      case 'cov':
        await runCov(rest);
        return 0;
      case 'demo':
        await runDemo(rest);
        return 0;
      case '--version':
      case '-v':
        process.stdout.write(`${JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')).version}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}' (try covlasso --help)`);
    }
  } catch (error) {
    process.stderr.write(`covlasso: ${describeError(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

function describeError(error: unknown): string {
  if (error instanceof UsageError) return `usage: ${error.message}`;
  if (error instanceof CovlassoError) return `${error.message} (${error.code})`;
  const e = error as NodeJS.ErrnoException;
  if (e && e.code === 'ENOENT') return `no such file: ${e.path ?? e.message}`;
  if (e && typeof e.code === 'string' && typeof e.message === 'string') return `${e.message} (${e.code})`;
  return String(e?.message ?? error).split('\n')[0];
}

if (require.main === module) {
  main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}

#!/usr/bin/env node
/**
 * The `covlasso` command line: `deps`, `cov`, `demo`, `info`, …. JSON out; a progress bar on stderr for
 * long runs; on bad input a non-zero exit status and one line saying why.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../runtime/native';
import { CovlassoError } from '../runtime/errors';
import { runCov, runDeps, runDemo } from './commands';
import { UsageError } from './args';
import { runCross } from './cross';
import { runUnseen } from './unseen';
import { runReport } from './report';
import { runChoose, runDiagnose } from './analyze';
import { runInfo } from './info';

const HELP = `covlasso: sparse neural dependencies between classifier logits (Covariance Lasso)

Usage:
  covlasso deps <logits.npy> [--rows a:b] [--targets i,j,a:b] [--lambda-ratio r | --lambda x]
                [--center] [--tol t] [--max-iter n] [--threads n] [--names classes.json]
                [--max-memory 1g] [--chunk-rows n] [--out deps.json] [--progress | --quiet]
                [--eval-rows a:b | --eval other.npy] [--labels labels.npy] [--graph out.dot|.graphml|.json]
  covlasso deps --cov S.npy [--center] ...          (a covariance saved by cov --out)
  covlasso deps --state a.cov[,b.cov,...] [--center] [--ddof d] ...   (shards saved by cov --save-state)
  covlasso cross <A.npy> <B.npy> [--rows a:b] [--lambda-ratio r | --lambda x] [--center]
                [--direction A<-B|B<-A|both] [--targets ...] [--names classes.json] [--names-b b.json]
                [--eval-rows a:b --labels labels.npy] [--graph out.dot] [--out cross.json]
  covlasso unseen <A.npy> [<B.npy>] --labels labels.npy --unseen a:b --fit-rows a:b --eval-rows a:b
                [--examples k] [--lambda-ratio r] [--examples-lambda-ratio r] [--no-center]
                [--names classes.json] [--out unseen.json]
  covlasso diagnose <logits.npy> [--rows a:b] [--center] [--lambda-ratio r] [--thresholds 0.01,0.05]
                [--sizes 100,200,500] [--seed s] [--no-best-error] [--eigensolver dense|range|auto]
                [--rank-hint r] [--out diag.json]
  covlasso choose <logits.npy> --labels labels.npy --fit-rows a:b --eval-rows a:b [--targets ...]
                [--center] [--n-lambda 50] [--ratio-min r] [--recall-tolerance t]
                [--accuracy-tolerance t] [--reference-ratio 0.02] [--names classes.json] [--out choose.json]
  covlasso cov <logits.npy> --out cov.npy [--rows a:b] [--center] [--ddof d] [--threads n]
               [--max-memory 1g] [--chunk-rows n] [--save-state shard.cov] [--product-precision float64]
               [--progress | --quiet]
  covlasso cov --merge a.cov b.cov ... --out cov.npy [--center] [--ddof d] [--save-state all.cov]
  covlasso report <deps.json> --out report.html [--title t] [--top k]
  covlasso demo [--threads n] [--report demo.html | --no-report]
  covlasso info [--json]
  covlasso --help | --version

deps   one lasso per target category on the logit covariance, streamed from the file's rows
       (bounded by --max-memory), or on a saved covariance (--cov) or merged shard states
       (--state, where --center/--ddof mean what they mean for cov); writes JSON (stdout without --out)
cross  each category of model A as a sparse combination of model B's logits (same rows)
unseen logits for categories model A never saw, from model B and/or k labelled examples
diagnose spectrum, rank, best achievable errors and sparsity of the dependencies (and how they
       change with the number of categories, --sizes)
choose λ per target by what matters: the sparsest path solution that keeps the target class's
       recall and the overall accuracy on evaluation rows (and the λ ratio 0.02 solution beside it)
cov    the float64 covariance (second moment, or --center) as a .npy file, streamed from the
       file in row chunks (bounded by --max-memory); --save-state writes a mergeable shard state
report a self-contained HTML page (graph, source bars, λ paths, histograms, accuracy) of deps JSON
demo   runs the whole job on a built-in synthetic model and prints the strongest dependencies
info   the backends of this install (cpu, cuda): compiled in, usable here, the device or why not

λ convention: our λ is scikit-learn's alpha (objective ½·variance + λ‖β‖₁); the paper's λ is 2× ours.
Environment: COVLASSO_THREADS (default thread count), COVLASSO_BACKEND (cpu, cuda or auto: the default backend).
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
      case 'cross':
        await runCross(rest);
        return 0;
      case 'unseen':
        await runUnseen(rest);
        return 0;
      case 'diagnose':
        await runDiagnose(rest);
        return 0;
      case 'choose':
        await runChoose(rest);
        return 0;
      case 'demo':
        await runDemo(rest);
        return 0;
      case 'report':
        await runReport(rest);
        return 0;
      case 'info':
        await runInfo(rest);
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

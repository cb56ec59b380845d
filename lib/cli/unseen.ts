/**
 * `covlasso unseen <A.npy> [<B.npy>] --labels labels.npy --unseen a:b --fit-rows a:b
 * --eval-rows a:b [--examples k]`: logits for categories model A "never saw", from model B
 * and/or from k labelled examples, scored by top-1 accuracy over all categories.
 * @module
 */
import { unseenCategories } from '../toolkit/unseen';
import { indexListOption, numberOption, parseArgs, positiveInteger, rangeOption, UsageError, writeJsonOutput } from './args';
import { readLogits, readNames } from './commands';
import { withProgressBar } from './progress';
import { readLabels } from './toolkit-io';

/** `covlasso unseen`. */
export async function runUnseen(argv: readonly string[]): Promise<void> {
  const args = parseArgs(
    argv,
    ['labels', 'unseen', 'fit-rows', 'eval-rows', 'examples', 'lambda-ratio', 'examples-lambda-ratio', 'threads', 'names', 'out'],
    ['no-center', 'quiet', 'progress'],
  );
  if (args.positionals.length < 1 || args.positionals.length > 2) throw new UsageError(`unseen expects <A.npy> [<B.npy>], got ${args.positionals.length} files`);
  for (const flag of ['labels', 'unseen', 'fit-rows', 'eval-rows']) if (!args.values.has(flag)) throw new UsageError(`unseen needs --${flag}`);
  const examples = numberOption(args, 'examples', positiveInteger);
  if (args.positionals.length === 1 && examples === undefined) throw new UsageError('unseen needs a second model <B.npy> and/or --examples k');
  const A = await readLogits(args.positionals[0]);
  const B = args.positionals.length === 2 ? await readLogits(args.positionals[1]) : undefined;
  if (B && B.rows !== A.rows) throw new UsageError(`${args.positionals[1]} has ${B.rows} rows, ${args.positionals[0]} ${A.rows}`);
  if (B && B.cols !== A.cols) throw new UsageError(`unseen: model B must have model A's categories (column u = category u); got ${B.cols} and ${A.cols}`);
  const labels = await readLabels(args.values.get('labels')!, A.rows);
  const result = await withProgressBar(args.switches, 'unseen', (onProgress) => unseenCategories(A, labels, {
    unseen: indexListOption(args.values.get('unseen')!, A.cols, 'unseen'),
    fitRows: rangeOption(args.values.get('fit-rows')!, A.rows, 'fit-rows'),
    evalRows: rangeOption(args.values.get('eval-rows')!, A.rows, 'eval-rows'),
    logitsB: B,
    examples,
    lambdaRatio: numberOption(args, 'lambda-ratio', (v) => v >= 0),
    examplesLambdaRatio: numberOption(args, 'examples-lambda-ratio', (v) => v >= 0),
    center: !args.switches.has('no-center'),
    threads: numberOption(args, 'threads', positiveInteger),
    names: args.values.has('names') ? readNames(args.values.get('names')!, A.cols) : undefined,
    onProgress,
  }));
  writeJsonOutput(args, 'covlasso-unseen', result);
  if (!args.switches.has('quiet')) {
    const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;
    const line = (name: string, s: { accuracy: number; accuracyUnseen: number }): string => `  ${name.padEnd(34)} accuracy ${pct(s.accuracy)}   on unseen-class rows ${pct(s.accuracyUnseen)}\n`;
    let msg = `unseen: ${result.unseen.length} categories, ${result.evalRows} evaluation rows (${result.evalUnseenRows} of unseen classes)\n`;
    msg += line('A, all categories (upper bound)', result.original) + line('A, known categories only', result.knownOnly);
    if (result.fromModel) msg += line('unseen logits from model B', result.fromModel);
    if (result.fromExamples) msg += line(`unseen logits from ${result.fromExamples.examples} examples`, result.fromExamples);
    process.stderr.write(msg);
  }
}

/**
 * `covlasso diagnose` (theory diagnostics: spectrum, rank, best achievable errors, sparsity, and
 * how they change with the number of categories) and `covlasso choose` (λ chosen per target by
 * what matters: the target class's recall and the overall accuracy on evaluation rows).
 * @module
 */
import { covariance } from '../covariance/in-memory';
import { chooseLambdaByRecall } from '../toolkit/choose-lambda';
import { dependencyDiagnostics, dependencyScaling } from '../toolkit/diagnostics';
import { indexListOption, numberOption, onePositional, parseArgs, ParsedArgs, positiveInteger, rangeOption, UsageError, writeJsonOutput } from './args';
import { readLogits, readNames } from './commands';
import { withProgressBar } from './progress';
import { readLabels } from './toolkit-io';
import { progressStages } from '../runtime/progress';

function numberList(args: ParsedArgs, name: string, check: (v: number) => boolean): number[] | undefined {
  const raw = args.values.get(name);
  if (raw === undefined) return undefined;
  const values = raw.split(',').map(Number);
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || !check(v))) throw new UsageError(`--${name}: invalid list '${raw}'`);
  return values;
}

/** `covlasso diagnose <logits.npy> [--rows a:b] [--center] [--lambda-ratio r] [--thresholds …] [--sizes …]`. */
export async function runDiagnose(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, ['rows', 'lambda-ratio', 'thresholds', 'sizes', 'seed', 'threads', 'out', 'eigensolver', 'rank-hint'], ['center', 'no-best-error', 'progress', 'quiet']);
  const eigensolver = args.values.get('eigensolver');
  if (eigensolver !== undefined && !['dense', 'range', 'auto'].includes(eigensolver)) throw new UsageError(`--eigensolver: expected dense, range or auto, got '${eigensolver}'`);
  const file = onePositional(args, 'logits file');
  const lambdaRatio = numberOption(args, 'lambda-ratio', (v) => v >= 0);
  const thresholds = numberList(args, 'thresholds', (v) => v > 0);
  const threads = numberOption(args, 'threads', positiveInteger);
  const logits = await readLogits(file);
  const rows = args.values.has('rows') ? rangeOption(args.values.get('rows')!, logits.rows, 'rows') : undefined;
  const sizes = numberList(args, 'sizes', (v) => positiveInteger(v) && v <= logits.cols);
  const center = args.switches.has('center');
  const X = rows ? logits.sliceRows(rows[0], rows[1]) : logits;
  const { diagnostics, scaling } = await withProgressBar(args.switches, 'diagnose', async (onProgress) => {
    const [covProgress, diagProgress, scalingProgress] = progressStages(onProgress, [1, 4, sizes ? 4 : 0]);
    const S = await covariance(X, { center, threads, productPrecision: 'float64', onProgress: covProgress });
    const diagnostics = await dependencyDiagnostics(S, {
      lambdaRatio, thresholds, threads, bestError: !args.switches.has('no-best-error'),
      eigensolver: eigensolver as 'dense' | 'range' | 'auto' | undefined,
      rankHint: numberOption(args, 'rank-hint', positiveInteger),
      onProgress: diagProgress,
    });
    const scaling = sizes
      ? await dependencyScaling(logits, { sizes, rows, center, lambdaRatio, thresholds, threads, seed: numberOption(args, 'seed', Number.isInteger), onProgress: scalingProgress })
      : undefined;
    return { diagnostics, scaling };
  });
  writeJsonOutput(args, 'covlasso-diagnose', { file, samples: X.rows, center, diagnostics, scaling });
}

/** `covlasso choose <logits.npy> --labels labels.npy --fit-rows a:b --eval-rows c:d [...]`. */
export async function runChoose(argv: readonly string[]): Promise<void> {
  const args = parseArgs(
    argv,
    ['labels', 'fit-rows', 'eval-rows', 'targets', 'n-lambda', 'ratio-min', 'recall-tolerance', 'accuracy-tolerance', 'reference-ratio', 'names', 'threads', 'out'],
    ['center', 'progress', 'quiet'],
  );
  const file = onePositional(args, 'logits file');
  for (const required of ['labels', 'fit-rows', 'eval-rows']) {
    if (!args.values.has(required)) throw new UsageError(`choose needs --${required}`);
  }
  const logits = await readLogits(file);
  const labels = await readLabels(args.values.get('labels')!, logits.rows);
  const unit = (v: number): boolean => v >= 0 && v <= 1;
  const report = await withProgressBar(args.switches, 'choose', (onProgress) => chooseLambdaByRecall(logits, logits, labels, {
    fitRows: rangeOption(args.values.get('fit-rows')!, logits.rows, 'fit-rows'),
    evalRows: rangeOption(args.values.get('eval-rows')!, logits.rows, 'eval-rows'),
    targets: args.values.has('targets') ? indexListOption(args.values.get('targets')!, logits.cols, 'targets') : undefined,
    nLambda: numberOption(args, 'n-lambda', positiveInteger),
    ratioMin: numberOption(args, 'ratio-min', (v) => v > 0 && v <= 1),
    recallTolerance: numberOption(args, 'recall-tolerance', unit),
    accuracyTolerance: numberOption(args, 'accuracy-tolerance', unit),
    referenceRatio: numberOption(args, 'reference-ratio', (v) => v > 0),
    names: args.values.has('names') ? readNames(args.values.get('names')!, logits.cols) : undefined,
    threads: numberOption(args, 'threads', positiveInteger),
    center: args.switches.has('center'),
    onProgress,
  }));
  writeJsonOutput(args, 'covlasso-choose', report);
}

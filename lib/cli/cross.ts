/**
 * `covlasso cross <A.npy> <B.npy>`: cross-model dependencies (targets index A's categories,
 * sources B's), optionally evaluated on held-out rows and exported as a graph.
 * @module
 */
import { crossDependencies, CrossDependencyReport, CrossDirection } from '../toolkit/cross';
import { evaluateReplacement } from '../toolkit/evaluate';
import { Matrix } from '../runtime/matrix';
import { indexListOption, numberOption, parseArgs, positiveInteger, rangeOption, UsageError, writeJsonOutput } from './args';
import { readLogits, readNames } from './commands';
import { progressBar } from './progress';
import { attachEvaluation, readLabels, writeGraph } from './toolkit-io';

function evaluate(report: CrossDependencyReport, targets: Matrix, sources: Matrix, labels: Int32Array | BigInt64Array, rows: [number, number]): void {
  attachEvaluation(report, evaluateReplacement(targets, labels, report, { sourceLogits: sources, rows }));
}

/** `covlasso cross`. */
export async function runCross(argv: readonly string[]): Promise<void> {
  const args = parseArgs(
    argv,
    ['rows', 'targets', 'lambda-ratio', 'lambda', 'tol', 'max-iter', 'threads', 'out', 'names', 'names-b', 'direction', 'eval-rows', 'labels', 'graph'],
    ['center', 'progress', 'quiet'],
  );
  if (args.positionals.length !== 2) throw new UsageError(`cross expects two logits files <A.npy> <B.npy>, got ${args.positionals.length}`);
  if (args.values.has('lambda') && args.values.has('lambda-ratio')) throw new UsageError('give --lambda or --lambda-ratio, not both');
  if (args.values.has('eval-rows') !== args.values.has('labels')) throw new UsageError('--eval-rows and --labels go together');
  const direction = (args.values.get('direction') ?? 'A<-B') as CrossDirection;
  if (!['A<-B', 'B<-A', 'both'].includes(direction)) throw new UsageError(`--direction: expected A<-B, B<-A or both, got '${direction}'`);
  const [fileA, fileB] = args.positionals;
  const A = await readLogits(fileA);
  const B = await readLogits(fileB);
  if (A.rows !== B.rows) throw new UsageError(`${fileA} has ${A.rows} rows, ${fileB} ${B.rows}: cross needs the same samples`);
  const rows = args.values.has('rows') ? rangeOption(args.values.get('rows')!, A.rows, 'rows') : undefined;
  const namesA = args.values.has('names') ? readNames(args.values.get('names')!, A.cols) : undefined;
  const namesB = args.values.has('names-b') ? readNames(args.values.get('names-b')!, B.cols) : B.cols === A.cols ? namesA : undefined;
  const targetCount = direction === 'B<-A' ? B.cols : A.cols;
  const targets = args.values.has('targets') ? indexListOption(args.values.get('targets')!, targetCount, 'targets') : undefined;
  const bar = progressBar(args.switches, 'cross');
  let result;
  try {
    result = await crossDependencies(A, B, {
      rows, targets, direction, namesA, namesB,
      lambda: numberOption(args, 'lambda'),
      lambdaRatio: numberOption(args, 'lambda-ratio'),
      tol: numberOption(args, 'tol'),
      maxIter: numberOption(args, 'max-iter', positiveInteger),
      threads: numberOption(args, 'threads', positiveInteger),
      center: args.switches.has('center'),
      onProgress: bar.update,
    });
  } finally {
    bar.done();
  }
  if (args.values.has('labels')) {
    const labels = await readLabels(args.values.get('labels')!, A.rows);
    const evalRows = rangeOption(args.values.get('eval-rows')!, A.rows, 'eval-rows');
    if (result.aFromB) evaluate(result.aFromB, A, B, labels, evalRows);
    if (result.bFromA) evaluate(result.bFromA, B, A, labels, evalRows);
  }
  const graph = args.values.get('graph');
  if (graph !== undefined) {
    const rep = result.aFromB ?? result.bFromA!;
    const [t, s] = rep.direction === 'A<-B' ? ['A', 'B'] : ['B', 'A'];
    writeGraph(graph, rep, { crossModel: { targetModel: t, sourceModel: s } });
  }
  if (direction === 'both') writeJsonOutput(args, 'covlasso-cross-both', result);
  else writeJsonOutput(args, 'covlasso-cross', (result.aFromB ?? result.bFromA)!);
}

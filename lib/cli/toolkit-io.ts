/**
 * CLI helpers of the dependency toolkit commands (`deps --eval*`, `cross`, `unseen`): labels,
 * graph files, evaluation rows.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readNpy } from '../npy/io';
import { Matrix } from '../runtime/matrix';
import { DependencyGraph, dependencyGraph, DependencyGraphOptions, toDOT, toGraphML, toJSON } from '../toolkit/graph';
import type { DependencyLike, ReplacementEvaluation } from '../toolkit/evaluate';
import type { DependencyReport } from '../dependencies/types';
import { UsageError } from './args';

/** Reads a 1-d int32/int64 `.npy` of class labels, one per row of `rows` rows. */
export async function readLabels(file: string, rows: number): Promise<Int32Array | BigInt64Array> {
  const arr = await readNpy(file);
  if (arr.shape.length !== 1 || !(arr.data instanceof Int32Array || arr.data instanceof BigInt64Array)) {
    throw new UsageError(`--labels: ${file} must be a 1-d int32 or int64 array, got ${arr.dtype} of shape (${arr.shape.join(', ')})`);
  }
  if (arr.shape[0] !== rows) throw new UsageError(`--labels: ${file} holds ${arr.shape[0]} labels for ${rows} rows`);
  return arr.data;
}

/** Writes a dependency graph as DOT, GraphML or JSON, chosen by the file extension. */
export function writeGraph(file: string, report: { targets: readonly (DependencyLike & { sourceNames?: readonly string[] })[] }, options: DependencyGraphOptions = {}): DependencyGraph {
  const graph = dependencyGraph(report, options);
  const ext = path.extname(file).toLowerCase();
  let text: string;
  if (ext === '.dot' || ext === '.gv') text = toDOT(graph);
  else if (ext === '.graphml' || ext === '.xml') text = toGraphML(graph);
  else if (ext === '.json') text = toJSON(graph);
  else throw new UsageError(`--graph: ${file}: use a .dot, .graphml or .json file name`);
  fs.writeFileSync(file, text);
  return graph;
}

/** The evaluation matrix of `--eval` (same categories) or the logits themselves. */
export function checkEvalShape(evalLogits: Matrix, categories: number, file: string): void {
  if (evalLogits.cols !== categories) throw new UsageError(`--eval: ${file} has ${evalLogits.cols} categories, the logits ${categories}`);
}

/** Writes an evaluation into the report: overall numbers and per-target accuracy and recall. */
export function attachEvaluation(report: DependencyReport, ev: ReplacementEvaluation): void {
  report.evaluation = { rows: ev.rows, accuracyBefore: ev.accuracyBefore, accuracyAllReplaced: ev.accuracyAllReplaced };
  ev.targets.forEach((t, k) => {
    const dep = report.targets[k];
    dep.accuracyBefore = t.accuracyBefore;
    dep.accuracyAfter = t.accuracyAfter;
    dep.recallBefore = t.recallBefore;
    dep.recallAfter = t.recallAfter;
  });
}

/**
 * CLI helpers of the dependency toolkit commands (`deps --eval*`, `cross`, `unseen`): labels,
 * graph files, evaluation rows.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readNpyHeader, readNpyRows } from '../npy/io';
import { DependencyGraph, dependencyGraph, DependencyGraphOptions, toDOT, toGraphML } from '../toolkit/graph';
import type { DependencyLike, ReplacementEvaluation } from '../toolkit/evaluate';
import type { DependencyReport } from '../dependencies/types';
import { UsageError } from './args';
import { stamp } from './formats';
import { writeOutputSync } from './output';

/** Checks from its header that `file` holds `rows` int32/int64 class labels (1-d), reading no data. */
export async function checkLabels(file: string, rows: number): Promise<void> {
  const header = await readNpyHeader(file);
  if (header.shape.length !== 1 || (header.dtype !== 'int32' && header.dtype !== 'int64')) {
    throw new UsageError(`--labels: ${file} must be a 1-d int32 or int64 array, got ${header.dtype} of shape (${header.shape.join(', ')})`);
  }
  if (header.shape[0] !== rows) throw new UsageError(`--labels: ${file} holds ${header.shape[0]} labels for ${rows} rows`);
}

/**
 * Reads a 1-d int32/int64 `.npy` of class labels, one per row of `rows` rows; with `range`,
 * only the labels of rows `[begin, end)`.
 */
export async function readLabels(file: string, rows: number, range?: [number, number]): Promise<Int32Array | BigInt64Array> {
  await checkLabels(file, rows);
  return (await readNpyRows(file, range ?? [0, rows])).data as Int32Array | BigInt64Array;
}

/** Writes a dependency graph as DOT, GraphML or JSON (format "covlasso-graph"), chosen by the file extension. */
export function writeGraph(file: string, report: { targets: readonly (DependencyLike & { sourceNames?: readonly string[] })[] }, options: DependencyGraphOptions = {}): DependencyGraph {
  const graph = dependencyGraph(report, options);
  const ext = path.extname(file).toLowerCase();
  let text: string;
  if (ext === '.dot' || ext === '.gv') text = toDOT(graph);
  else if (ext === '.graphml' || ext === '.xml') text = toGraphML(graph);
  else if (ext === '.json') text = JSON.stringify(stamp('covlasso-graph', graph));
  else throw new UsageError(`--graph: ${file}: use a .dot, .graphml or .json file name`);
  writeOutputSync(file, text);
  return graph;
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

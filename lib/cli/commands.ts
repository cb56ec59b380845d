/**
 * The CLI's commands: argument handling and output only; the work is the library's.
 * @module
 */
import * as fs from 'node:fs';
import { covariance } from '../covariance';
import { CovlassoRangeError, CovlassoTypeError } from '../errors';
import { Matrix } from '../matrix';
import { readNpy, writeNpy } from '../npy';
import { DependencyReport, findDependencies } from '../dependencies';
import { indexListOption, numberOption, parseArgs, ParsedArgs, rangeOption, UsageError } from './args';
import { demoData } from './demo-data';
import { ProgressBar } from './progress';

const positiveInteger = (v: number): boolean => Number.isInteger(v) && v >= 1;

/** Reads a 2-d float32/float64 .npy file as logits. */
export async function readLogits(path: string): Promise<Matrix> {
  const array = await readNpy(path);
  if (array.shape.length !== 2) {
    throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${path}: logits must be 2-d (samples × categories), got shape (${array.shape.join(', ')})`);
  }
  if (!(array.data instanceof Float32Array) && !(array.data instanceof Float64Array)) {
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_DTYPE', `${path}: logits must be float32 or float64, got ${array.dtype}`);
  }
  return new Matrix(array.shape[0], array.shape[1], array.data);
}

/** Class names from a JSON file: an array of strings, or an object with a `classes` array. */
export function readNames(path: string, categories: number): string[] {
  const parsed: unknown = JSON.parse(fs.readFileSync(path, 'utf8'));
  const names = Array.isArray(parsed) ? parsed : (parsed as { classes?: unknown }).classes;
  if (!Array.isArray(names) || names.length !== categories) {
    throw new UsageError(`--names: ${path} must hold ${categories} class names (an array, or { "classes": [...] })`);
  }
  return names.map(String);
}

function threadsOption(args: ParsedArgs): number | undefined {
  return numberOption(args, 'threads', positiveInteger);
}

function onePositional(args: ParsedArgs, what: string): string {
  if (args.positionals.length !== 1) throw new UsageError(`expected exactly one ${what}, got ${args.positionals.length}`);
  return args.positionals[0];
}

function progressBar(args: ParsedArgs, label: string): ProgressBar {
  if (args.switches.has('quiet')) return new ProgressBar(label, false);
  return new ProgressBar(label, args.switches.has('progress') || Boolean(process.stderr.isTTY));
}

/** `covlasso deps`. */
export async function runDeps(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, ['rows', 'targets', 'lambda-ratio', 'lambda', 'tol', 'max-iter', 'threads', 'out', 'names'], ['center', 'progress', 'quiet']);
  const file = onePositional(args, 'logits file');
  if (args.values.has('lambda') && args.values.has('lambda-ratio')) throw new UsageError('give --lambda or --lambda-ratio, not both');
  const lambda = numberOption(args, 'lambda');
  const lambdaRatio = numberOption(args, 'lambda-ratio');
  const tol = numberOption(args, 'tol');
  const maxIter = numberOption(args, 'max-iter', positiveInteger);
  const threads = threadsOption(args);
  const logits = await readLogits(file);
  const rows = args.values.has('rows') ? rangeOption(args.values.get('rows')!, logits.rows, 'rows') : undefined;
  const targets = args.values.has('targets') ? indexListOption(args.values.get('targets')!, logits.cols, 'targets') : undefined;
  const names = args.values.has('names') ? readNames(args.values.get('names')!, logits.cols) : undefined;
  const bar = progressBar(args, 'deps');
  let report: DependencyReport;
  try {
    report = await findDependencies(logits, {
      rows, targets, lambda, lambdaRatio, tol, maxIter, threads, names,
      center: args.switches.has('center'),
      onProgress: bar.update,
    });
  } finally {
    bar.done();
  }
  const json = JSON.stringify(report);
  const out = args.values.get('out');
  if (out === undefined) process.stdout.write(`${json}\n`);
  else fs.writeFileSync(out, json);
  const unconverged = report.targets.filter((t) => !t.converged).length;
  if (unconverged > 0) process.stderr.write(`covlasso: warning: ${unconverged} target(s) did not converge (raise --max-iter)\n`);
}

/** `covlasso cov`. */
export async function runCov(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, ['rows', 'ddof', 'threads', 'out'], ['center', 'progress', 'quiet']);
  const file = onePositional(args, 'logits file');
  const out = args.values.get('out');
  if (out === undefined) throw new UsageError('cov needs --out <file.npy>');
  const ddof = numberOption(args, 'ddof', (v) => v >= 0);
  const threads = threadsOption(args);
  let logits = await readLogits(file);
  if (args.values.has('rows')) logits = logits.sliceRows(...rangeOption(args.values.get('rows')!, logits.rows, 'rows'));
  const bar = progressBar(args, 'cov');
  try {
    const S = await covariance(logits, { center: args.switches.has('center'), ddof, threads, onProgress: bar.update });
    await writeNpy(out, { shape: [S.rows, S.cols], data: S.data });
  } finally {
    bar.done();
  }
}

function formatDependency(names: readonly string[], target: number, sources: number[], coef: number[]): string {
  const terms = sources.map((s, i) => `${coef[i].toFixed(3)}·${names[s]}`).join(' + ').replace(/\+ -/g, '− ');
  return `${names[target]} ≈ ${terms}`;
}

/** `covlasso demo`: the main job on the built-in default, printing the strongest dependencies. */
export async function runDemo(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, ['threads'], ['progress', 'quiet']);
  const threads = threadsOption(args);
  const data = demoData();
  const { logits, names, planted } = data;
  const started = Date.now();
  const report = await findDependencies(logits, { lambdaRatio: 0.05, names, threads, onProgress: progressBar(args, 'demo').update });
  const seconds = (Date.now() - started) / 1000;
  const strongest = report.targets
    .filter((t) => t.sources.length > 0 && t.sources.length <= 4)
    .sort((a, b) => a.relativeError - b.relativeError)
    .slice(0, 10);
  const out = process.stdout;
  out.write(`covlasso demo: ${logits.cols} categories, ${logits.rows} samples of synthetic logits (a width-32 linear head),\n`);
  out.write(`30 look-alike categories planted as mixtures of 2-3 others. λ = 0.05·λ_max per target.\n`);
  out.write(`Solved ${report.targets.length} CovLassos in ${seconds.toFixed(2)} s; ${report.targets.filter((t) => t.converged).length} certified (duality gap ≤ 1e-6·variance).\n\n`);
  out.write('Strongest sparse dependencies (lowest relative error with at most 4 sources):\n');
  for (const t of strongest) {
    out.write(`  ${formatDependency(names, t.target, t.sources, t.coef)}   (relative error ${(100 * t.relativeError).toFixed(2)}%)\n`);
  }
  const found = planted.filter((p) => {
    const dep = report.targets[p.target];
    return p.sources.every((s) => dep.sources.slice(0, p.sources.length).includes(s));
  }).length;
  out.write(`\nPlanted look-alikes recovered (their sources are the top coefficients): ${found}/${planted.length}\n`);
}

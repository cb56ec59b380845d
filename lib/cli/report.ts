/**
 * `covlasso report deps.json --out report.html [--title t] [--top k]`: the self-contained HTML
 * report of a `deps` (or `cross`) JSON file.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CovlassoTypeError } from '../runtime/errors';
import { renderReport } from '../report';
import type { ReportInput } from '../report';
import { numberOption, parseArgs, positiveInteger, UsageError } from './args';
import { writeOutput } from './output';

/** Reads and parses a report JSON file (a one-line error when it is not JSON). */
export function readReportJson(file: string): ReportInput {
  const text = fs.readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as ReportInput;
  } catch (error) {
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', `${file} is not JSON (${(error as Error).message.split('\n')[0]})`);
  }
}

/** `covlasso report`. */
export async function runReport(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, ['out', 'title', 'top'], []);
  if (args.positionals.length !== 1) throw new UsageError(`expected exactly one report file (deps.json), got ${args.positionals.length}`);
  const file = args.positionals[0];
  const out = args.values.get('out');
  if (out === undefined) throw new UsageError('report needs --out <report.html>');
  const top = numberOption(args, 'top', positiveInteger);
  const html = renderReport(readReportJson(file), { title: args.values.get('title') ?? `covlasso report: ${path.basename(file)}`, top });
  await writeOutput(out, (tmp) => fs.promises.writeFile(tmp, html));
}

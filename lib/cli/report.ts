/**
 * `covlasso report deps.json --out report.html [--title t] [--top k]`: the self-contained HTML
 * report of a `deps` (or `cross`) JSON file.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderReport } from '../report';
import type { ReportInput } from '../report';
import { numberOption, parseArgs, positiveInteger, UsageError } from './args';
import { readCliJson } from './formats';
import { writeOutput } from './output';

/**
 * Reads a `deps` or `cross` JSON file and checks it against its JSON Schema (schema/ in the
 * package); a file without `format` / `version` (written before they were added) is checked
 * as the deps (or, with `direction`, cross) format without them.
 * @throws JsonFormatError in one line: not JSON, another format, a newer version, or where the
 *   file breaks the schema
 */
export function readReportJson(file: string): ReportInput {
  return readCliJson(file, ['covlasso-deps', 'covlasso-cross'], (doc) => ('direction' in doc ? 'covlasso-cross' : 'covlasso-deps')).value as unknown as ReportInput;
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

/**
 * Checks a report's shape and turns it into the compact data the page's script reads: class
 * names in one table (not repeated per source), per-target fields as in the JSON.
 * @module
 */
import { CovlassoTypeError } from '../runtime/errors';
import type { ReportInput, ReportOptions } from './types';

/** One target as the page sees it (names moved to the tables of {@link ReportData}). */
export interface ReportDataTarget {
  target: number;
  lambda: number | null;
  lambdaMax: number | null;
  sources: number[];
  coef: number[];
  intercept?: number;
  objective?: number;
  gap?: number;
  residualVariance?: number;
  relativeError?: number;
  iterations?: number;
  converged?: boolean;
  accuracyBefore?: number;
  accuracyAfter?: number;
  recallBefore?: number;
  recallAfter?: number;
  path?: { lambdas: number[]; relativeError: number[]; nnz: number[] };
}

/** The JSON embedded in the page. */
export interface ReportData {
  title: string;
  top: number;
  categories: number | null;
  samples: number | null;
  center: boolean;
  /** Sources come from another model (a `cross` report). */
  cross: boolean;
  sourceModel?: string;
  /** Names of the targets' model, by category (null where unknown). */
  names: Array<string | null>;
  /** Names of the sources' model (cross reports only; otherwise `names`). */
  sourceNames?: Array<string | null>;
  targets: ReportDataTarget[];
  evaluation?: { rows?: number; accuracyBefore?: number; accuracyAllReplaced?: number };
}

const OPTIONAL_NUMBERS = [
  'intercept', 'objective', 'gap', 'residualVariance', 'relativeError', 'iterations',
  'accuracyBefore', 'accuracyAfter', 'recallBefore', 'recallAfter',
] as const;

function invalid(message: string): never {
  throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', `report: ${message}`);
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1e8;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function describeModel(model: unknown): string | undefined {
  if (model === undefined || model === null) return undefined;
  if (typeof model === 'string' || typeof model === 'number') return String(model);
  const text = JSON.stringify(model);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function numberArray(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' || x === null)) invalid(`${what} must be an array of numbers`);
  return v as number[];
}

function setName(table: Array<string | null>, index: number, name: unknown): void {
  while (table.length <= index) table.push(null);
  if (typeof name === 'string' && table[index] === null) table[index] = name;
}

/** Validates `report` and builds the page's data (throws `ERR_COVLASSO_INVALID_ARGUMENT`). */
export function reportData(report: ReportInput, options: ReportOptions = {}): ReportData {
  if (report === null || typeof report !== 'object' || !Array.isArray(report.targets)) {
    invalid('expected the JSON of `covlasso deps` or `covlasso cross` ({ categories, samples, targets: [...] })');
  }
  const top = options.top ?? 300;
  if (!Number.isInteger(top) || top < 1) invalid(`top must be a positive integer, got ${top}`);
  const cross = report.sourceModel !== undefined || report.targets.some((t) => t && t.sourceModel !== undefined);
  const names: Array<string | null> = [];
  const sourceNames: Array<string | null> = [];
  const targets: ReportDataTarget[] = report.targets.map((t, k) => {
    if (t === null || typeof t !== 'object' || !isIndex(t.target)) invalid(`targets[${k}].target must be a category index`);
    const sources = t.sources ?? [];
    if (!Array.isArray(sources) || !sources.every(isIndex)) invalid(`targets[${k}].sources must be category indices`);
    const coef = numberArray(t.coef ?? [], `targets[${k}].coef`);
    if (coef.length !== sources.length) invalid(`targets[${k}] has ${sources.length} sources but ${coef.length} coefficients`);
    const out: ReportDataTarget = { target: t.target, lambda: num(t.lambda), lambdaMax: num(t.lambdaMax), sources, coef };
    for (const key of OPTIONAL_NUMBERS) {
      const v = num(t[key]);
      if (v !== null) out[key] = v;
    }
    if (typeof t.converged === 'boolean') out.converged = t.converged;
    if (t.path !== undefined && t.path !== null) {
      const p = t.path;
      const lambdas = numberArray(p.lambdas, `targets[${k}].path.lambdas`);
      const relativeError = numberArray(p.relativeError ?? [], `targets[${k}].path.relativeError`);
      const nnz = numberArray(p.nnz ?? [], `targets[${k}].path.nnz`);
      out.path = { lambdas, relativeError, nnz };
    }
    setName(names, t.target, t.name);
    const sn = Array.isArray(t.sourceNames) ? t.sourceNames : [];
    sources.forEach((s, i) => setName(cross ? sourceNames : names, s, sn[i]));
    return out;
  });
  const data: ReportData = {
    title: options.title ?? 'covlasso dependency report',
    top,
    categories: num(report.categories),
    samples: num(report.samples),
    center: report.center === true,
    cross,
    names,
    targets,
  };
  const model = describeModel(report.sourceModel ?? report.targets.find((t) => t.sourceModel !== undefined)?.sourceModel);
  if (model !== undefined) data.sourceModel = model;
  if (cross) data.sourceNames = sourceNames;
  const ev = report.evaluation;
  if (ev && typeof ev === 'object') {
    data.evaluation = {};
    for (const key of ['rows', 'accuracyBefore', 'accuracyAllReplaced'] as const) {
      const v = num(ev[key]);
      if (v !== null) data.evaluation[key] = v;
    }
  }
  return data;
}

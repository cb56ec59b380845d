/**
 * The merge of partial dependency results: every shard and every target exactly once, one job
 * (same options, same covariance), every certificate holding; the report one process writes.
 * @module
 */
import type { DependencyReport, TargetDependency } from '../dependencies/types';
import { ShardError } from '../runtime/errors';
import { shardRange } from './shard';
import { writeJsonAtomically } from './files';
import { stamp } from '../runtime/json-formats';
import { DependencyPartial, readDependencyPartial } from './targets';

/** Options of {@link mergeDependencyShards}. */
export interface MergeDependencyOptions {
  /**
   * Write the merged report here (atomically) exactly as `covlasso deps --out` writes it: the
   * report's JSON with `"format": "covlasso-deps"` and `"version"` first (what `covlasso report`
   * reads). The returned report is the plain one.
   */
  out?: string;
  /**
   * Accept targets whose solve did not converge (`converged: false`, as a one-process `deps`
   * reports them with a warning). Default false: every certificate must hold.
   */
  allowUnconverged?: boolean;
  /** Leave an `out` that already holds exactly this report untouched (reruns change nothing). */
  reuse?: boolean;
}

/**
 * Combines the partial results of {@link dependencyShard} (any order) into the report one
 * process would write: `{ categories, samples, center, targets }` with the targets in the order
 * of the job's target list, byte for byte the same JSON as `findDependencies` /
 * `dependenciesFromCovariance` (and `covlasso deps`) on the same S and options. Checks that the
 * parts are one job (same shard count, options and covariance hash), that each shard 0..n−1 and
 * each target appears exactly once, and that each certificate holds (`converged` and
 * gap ≤ tol·S_tt as recorded). What `covlasso merge part-*.json --out deps.json` runs.
 * @example
 * const report = await mergeDependencyShards(['part-0.json', 'part-1.json'], { out: 'deps.json' });
 * @throws ShardError (`ERR_COVLASSO_SHARD`, naming the shard or file) for a missing, corrupted,
 *   duplicated or foreign part, a missing or duplicated target, or a certificate that does not hold
 */
export async function mergeDependencyShards(files: readonly string[], options: MergeDependencyOptions = {}): Promise<DependencyReport> {
  if (!Array.isArray(files) || files.length === 0) throw new ShardError('mergeDependencyShards() needs one or more partial result files');
  const parts: Array<{ file: string; part: DependencyPartial }> = [];
  for (const file of files) parts.push({ file, part: await readDependencyPartial(file) });
  const first = parts[0].part;
  const n = first.shard.n;
  const optionsJson = JSON.stringify(first.options);
  const covarianceJson = JSON.stringify(first.covariance);
  const byShard = new Map<number, { file: string; part: DependencyPartial }>();
  for (const entry of parts) {
    const { file, part } = entry;
    const k = part.shard.k;
    const foreign = (why: string): never => {
      throw new ShardError(`partial result ${file} (shard ${k}) is not part of the same job as ${parts[0].file}: ${why}`, { shard: k, file });
    };
    if (part.shard.n !== n) foreign(`it is one of ${part.shard.n} shards, not ${n}`);
    if (JSON.stringify(part.options) !== optionsJson) foreign(`other options (${JSON.stringify(part.options)} vs ${optionsJson})`);
    if (JSON.stringify(part.covariance) !== covarianceJson) foreign(`another covariance (sha256 ${part.covariance.sha256} vs ${first.covariance.sha256})`);
    const twin = byShard.get(k);
    if (twin) throw new ShardError(`shard ${k} of ${n} is given twice: ${twin.file} and ${file}`, { shard: k, file });
    byShard.set(k, entry);
  }
  const missing: number[] = [];
  for (let k = 0; k < n; k++) if (!byShard.has(k)) missing.push(k);
  if (missing.length > 0) {
    throw new ShardError(`shard${missing.length > 1 ? 's' : ''} ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''} of ${n} ${missing.length > 1 ? 'are' : 'is'} missing`, { shard: missing[0] });
  }
  const { categories } = first.covariance;
  const list = first.options.targets ?? Array.from({ length: categories }, (_, i) => i);
  const where = new Map<number, number>();
  const targets: TargetDependency[] = [];
  const tol = first.options.tol;
  for (let k = 0; k < n; k++) {
    const { file, part } = byShard.get(k)!;
    const [a, b] = shardRange(k, n, list.length);
    if (part.positions[0] !== a || part.positions[1] !== b) {
      throw new ShardError(`partial result ${file} (shard ${k}) holds positions [${part.positions[0]}, ${part.positions[1]}), shard ${k}/${n} is [${a}, ${b})`, { shard: k, file });
    }
    part.report.targets.forEach((record, i) => {
      const t = record.target;
      const seen = where.get(t);
      if (seen !== undefined) throw new ShardError(`target ${t} appears twice: in shard ${seen} and in shard ${k} (${file})`, { shard: k, file });
      where.set(t, k);
      if (t !== list[a + i]) throw new ShardError(`partial result ${file} (shard ${k}) holds target ${t} where the target list has ${list[a + i]}`, { shard: k, file });
      const c = part.certificates[i];
      if (!c.converged && !options.allowUnconverged) {
        throw new ShardError(`target ${t} (shard ${k}, ${file}) did not converge (gap ${c.gap}); raise maxIter, or merge with allowUnconverged`, { shard: k, file });
      }
      if (c.converged && !(c.gap <= tol * c.variance)) {
        throw new ShardError(`the certificate of target ${t} (shard ${k}, ${file}) does not hold: gap ${c.gap} > ${tol}·${c.variance}`, { shard: k, file });
      }
      targets.push(record);
    });
  }
  for (const t of list) if (!where.has(t)) throw new ShardError(`target ${t} is in no shard`);
  const report: DependencyReport = { categories: first.report.categories, samples: first.report.samples, center: first.report.center, targets };
  if (options.out !== undefined) await writeJsonAtomically(options.out, stamp('covlasso-deps', report), options.reuse);
  return report;
}

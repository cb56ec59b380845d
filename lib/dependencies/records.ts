/**
 * Turning solver results into per-target dependency records (sources sorted by |coef|, names,
 * intercepts, path summaries), shared by within-model and cross-model reports.
 * @module
 */
import { targetCoefficients } from '../lasso/covlasso';
import type { CovLassoPathResult, CovLassoResult } from '../lasso/types';
import type { TargetDependency, TargetPath } from './types';

/** How solver results map onto categories and names. */
export interface ReportInfo {
  /** Names of the target categories (indexed by target). */
  targetNames?: readonly string[];
  /** Names of the source categories (indexed by source). */
  sourceNames?: readonly string[];
  /** Means of the target columns, for intercepts (centered fits). */
  targetMeans?: Float64Array;
  /** Means of the source columns, for intercepts (centered fits). */
  sourceMeans?: Float64Array;
  /** Maps a solver source index to a category index (when sources are a subset of columns). */
  sourceIndex?: ArrayLike<number>;
  /** Maps a solver target index to a category index (when targets are a subset of columns). */
  targetIndex?: ArrayLike<number>;
}

/** One record per target of a single-λ result. */
export function targetRecords(result: CovLassoResult, info: ReportInfo): TargetDependency[] {
  const out: TargetDependency[] = [];
  const mapS = (j: number): number => (info.sourceIndex ? info.sourceIndex[j] : j);
  const mapT = (t: number): number => (info.targetIndex ? info.targetIndex[t] : t);
  for (let k = 0; k < result.targets.length; k++) {
    const tSolver = result.targets[k];
    const t = mapT(tSolver);
    const { sources, coef } = targetCoefficients(result.coef, k);
    const order = Array.from(sources.keys()).sort((a, b) => Math.abs(coef[b]) - Math.abs(coef[a]) || sources[a] - sources[b]);
    const dep: TargetDependency = {
      target: t,
      lambda: result.lambda[k],
      lambdaMax: result.lambdaMax[k],
      sources: order.map((i) => mapS(sources[i])),
      coef: order.map((i) => coef[i]),
      objective: result.objective[k],
      gap: result.gap[k],
      residualVariance: result.residualVariance[k],
      relativeError: result.relativeError[k],
      iterations: result.iterations[k],
      converged: result.converged[k] === 1,
    };
    if (info.targetNames) dep.name = info.targetNames[t];
    if (info.sourceNames) dep.sourceNames = dep.sources.map((s) => info.sourceNames![s]);
    if (info.targetMeans && info.sourceMeans) {
      let intercept = info.targetMeans[t];
      for (let i = 0; i < dep.sources.length; i++) intercept -= dep.coef[i] * info.sourceMeans[dep.sources[i]];
      dep.intercept = intercept;
    }
    out.push(dep);
  }
  return out;
}

/** Per-target path summaries (λ, λ ratio, relative error and nnz per λ) of a path result. */
export function pathSummaries(path: CovLassoPathResult): TargetPath[] {
  const K = path.nLambda;
  const out: TargetPath[] = [];
  for (let k = 0; k < path.targets.length; k++) {
    const len = path.pathLength[k];
    const lambdas: number[] = [];
    const relativeError: number[] = [];
    const nnz: number[] = [];
    for (let l = 0; l < len; l++) {
      const col = k * K + l;
      lambdas.push(path.lambda[col]);
      relativeError.push(path.relativeError[col]);
      nnz.push(path.coef.indptr[col + 1] - path.coef.indptr[col]);
    }
    const entry: TargetPath = { lambdas, relativeError, nnz };
    if (path.ratios) entry.ratios = Array.from(path.ratios.subarray(0, len));
    out.push(entry);
  }
  return out;
}

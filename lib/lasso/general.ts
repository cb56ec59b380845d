/**
 * Solving CovLasso problems in general form (a p×p Gram, p×m cross moments, m variances) on the
 * native core, through the same worker path as {@link covLasso}: the engine under the
 * cross-model and unseen-category tools.
 * @module
 */
import { CovlassoRangeError } from '../runtime/errors';
import { Matrix } from '../runtime/matrix';
import { RunOptions } from '../runtime/run';
import { prepareSolve, runSolve, runSolveSync } from './solve';
import { checkSolverOptions, checkTargets, pathLambdas, singleLambda } from './options';
import type { CovLassoBaseOptions, CovLassoPathResult, GeneralProblem } from './types';

/** A λ path relative to each target's λ_max: log-spaced ratios, or the ratios themselves. */
export interface PathOptions {
  /** Number of λ values, log-spaced from λ_max down to `ratioMin`·λ_max (default 100). */
  nLambda?: number;
  /** Smallest ratio λ/λ_max of the path (default 1e-3). */
  ratioMin?: number;
  /** The ratios themselves, decreasing (instead of `nLambda` / `ratioMin`). */
  lambdaRatios?: ArrayLike<number>;
}

/** Options of {@link solveGeneral}: one λ (`lambda` / `lambdaRatio`) or a path (`path`). */
export interface SolveGeneralOptions extends CovLassoBaseOptions, RunOptions {
  /** Absolute λ, the same for every target. */
  lambda?: number;
  /** λ_t = lambdaRatio · λ_max(t), λ_max(t) = max_j |s_t[j]| over allowed j (default 0.1). */
  lambdaRatio?: number;
  /** Solve along a path instead: nLambda log-spaced ratios from 1 down to ratioMin. */
  path?: PathOptions;
}

/**
 * A general CovLasso problem from moment matrices.
 * @param gram - G (p×p, symmetric): the sources' second moments
 * @param cross - s (p×m row-major): column t holds the cross moments with target t
 *   (either may be float32, read as it is like {@link covLasso}'s S: half the memory, float64 arithmetic)
 * @param variance - d (m): each target's second moment
 * @param excludeSelf - hold β_t = 0 (intra-model problems, where p = m and targets are sources too)
 */
export function generalProblem(gram: Matrix, cross: Matrix, variance: Float64Array, excludeSelf = false): GeneralProblem {
  const p = gram.rows;
  if (gram.cols !== p || cross.rows !== p || variance.length !== cross.cols) {
    throw new CovlassoRangeError(
      'ERR_COVLASSO_SHAPE_MISMATCH',
      `general problem needs G p×p, s p×m, d m; got G ${gram.rows}×${gram.cols}, s ${cross.rows}×${cross.cols}, d ${variance.length}`,
    );
  }
  if (excludeSelf && cross.cols !== p) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', 'excludeSelf needs p = m');
  return { gram: gram.data, p, cross: cross.data, m: cross.cols, variance, excludeSelf };
}

function prepare(problem: GeneralProblem, options: SolveGeneralOptions): ReturnType<typeof prepareSolve> {
  const targets = checkTargets(options.targets, problem.m);
  let lambdas;
  if (options.path) {
    if (options.lambda !== undefined || options.lambdaRatio !== undefined) {
      throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', 'give path or lambda/lambdaRatio, not both');
    }
    lambdas = pathLambdas(options.path);
  } else {
    lambdas = singleLambda({ lambda: options.lambda, lambdaRatio: options.lambda === undefined ? (options.lambdaRatio ?? 0.1) : options.lambdaRatio });
  }
  return prepareSolve(problem, targets, lambdas, checkSolverOptions(options, problem.p, targets.length));
}

/**
 * Solves every target of a general CovLasso problem (one λ, or a path: `nLambda` per target,
 * arrays target-major) on covlasso's thread pool, with `signal` and `onProgress`.
 * @example
 * const problem = generalProblem(S_BB, S_BA, diagOf(S_AA));
 * const r = await solveGeneral(problem, { lambdaRatio: 0.1 });
 */
export async function solveGeneral(problem: GeneralProblem, options: SolveGeneralOptions = {}): Promise<CovLassoPathResult> {
  return runSolve(prepare(problem, options), options);
}

/** Synchronous twin of {@link solveGeneral}. */
export function solveGeneralSync(problem: GeneralProblem, options: Omit<SolveGeneralOptions, 'signal' | 'onProgress'> = {}): CovLassoPathResult {
  return runSolveSync(prepare(problem, options));
}

/**
 * The base of every CovLasso solve: a general problem (Gram G, cross moments s_t, variances d_t)
 * and a batch of targets over a λ sequence, turned into the native call, run on the chosen
 * backend, and read back as a path result. {@link covLasso} (the intra-model case) and
 * {@link solveGeneral} are thin layers over it.
 * @module
 */
import { loadNative } from '../runtime/native';
import type { LassoCallArgs, LassoOutputs, NativeCsc } from '../runtime/native-types';
import { runAsync, RunOptions, runSync } from '../runtime/run';
import { allocate, detachSafe } from '../runtime/typed';
import type { CovLassoPathResult, GeneralProblem, SolverSettings } from './types';

/** A batch solve ready to run: the native arguments and how to read its result (internal). */
export interface PreparedSolve {
  args: LassoCallArgs;
  finish: (csc: NativeCsc) => CovLassoPathResult;
}

/** Builds the native arguments and output arrays of a batch solve (internal). */
export function prepareSolve(problem: GeneralProblem, targets: Int32Array, lambdas: { values: Float64Array; relative: boolean }, settings: SolverSettings): PreparedSolve {
  const n = targets.length * lambdas.values.length;
  const out: LassoOutputs = {
    lambda: allocate(Float64Array, n, 'the results'),
    lambdaMax: allocate(Float64Array, n, 'the results'),
    objective: allocate(Float64Array, n, 'the results'),
    gap: allocate(Float64Array, n, 'the results'),
    residualVariance: allocate(Float64Array, n, 'the results'),
    iterations: allocate(Int32Array, n, 'the results'),
    converged: allocate(Uint8Array, n, 'the results'),
    pathLength: allocate(Int32Array, targets.length, 'the results'),
  };
  const args: LassoCallArgs = {
    gram: problem.gram,
    factored: problem.factored,
    p: problem.p,
    cross: problem.cross,
    m: problem.m,
    variance: problem.variance,
    excludeSelf: problem.excludeSelf,
    penaltyFactor: settings.penaltyFactor,
    targets,
    lambdas: lambdas.values,
    relative: lambdas.relative,
    tol: settings.tol,
    maxIter: settings.maxIter,
    l1Ratio: settings.l1Ratio,
    positive: settings.positive,
    stopRelativeError: settings.stopRelativeError,
    warmStart: settings.warmStart && { indptr: settings.warmStart.indptr, indices: settings.warmStart.indices, values: settings.warmStart.values },
    threads: settings.threads,
    // Only the CPU backend solves factored covariances: 'auto' means it for them.
    backend: problem.factored && settings.backend === 'auto' ? 'cpu' : settings.backend,
    out,
  };
  const finish = (csc: NativeCsc): CovLassoPathResult => {
    const relativeError = allocate(Float64Array, n, 'the results');
    const nLambda = lambdas.values.length;
    for (let k = 0; k < n; k++) {
      const d = problem.variance[targets[Math.floor(k / nLambda)]];
      relativeError[k] = d > 0 ? out.residualVariance[k] / d : 0;
    }
    return {
      targets,
      ...out,
      relativeError,
      coef: { rows: problem.p, cols: n, ...csc },
      nLambda,
      ratios: lambdas.relative ? lambdas.values : null,
    };
  };
  return { args, finish };
}

/** Runs a prepared batch solve on covlasso's pool, with `signal` and `onProgress` (internal). */
export async function runSolve(prepared: PreparedSolve, options: RunOptions): Promise<CovLassoPathResult> {
  return prepared.finish(await runAsync((a, c) => loadNative().covLasso(a, c), await asyncInputs(prepared.args), options));
}

/** The arguments with every input array a private copy: the user may detach theirs mid-call ({@link detachSafe}). */
async function asyncInputs(args: LassoCallArgs): Promise<LassoCallArgs> {
  const { gram, cross, variance, penaltyFactor, targets, lambdas, warmStart } = args;
  return {
    ...args,
    // A factored head is read in place, as FactoredCovariance's own products read it.
    gram: gram && (await detachSafe(gram, 'S.data')),
    cross: cross && (await detachSafe(cross, 'the cross moments')),
    variance: await detachSafe(variance, 'the variances'),
    penaltyFactor: penaltyFactor && (await detachSafe(penaltyFactor, 'penaltyFactor')),
    targets: await detachSafe(targets, 'targets'),
    lambdas: await detachSafe(lambdas, 'the λ values'),
    warmStart: warmStart && {
      indptr: await detachSafe(warmStart.indptr, 'warmStart.indptr'),
      indices: await detachSafe(warmStart.indices, 'warmStart.indices'),
      values: await detachSafe(warmStart.values, 'warmStart.values'),
    },
  };
}

/** Runs a prepared batch solve on the calling thread (internal). */
export function runSolveSync(prepared: PreparedSolve): CovLassoPathResult {
  return prepared.finish(runSync(() => loadNative().covLassoSync(prepared.args)));
}


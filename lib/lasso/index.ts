/**
 * The CovLasso: the general problem (G, s_t, d_t) solved in batches on a backend
 * ({@link solveGeneral}), and the intra-model case on a covariance ({@link covLasso},
 * {@link covLassoPath}).
 * @module
 */
export { covLasso, covLassoSync, covLassoPath, covLassoPathSync, pathStep, targetCoefficients } from './covlasso';
export { solveGeneral, solveGeneralSync, generalProblem } from './general';
export type { PathOptions, SolveGeneralOptions } from './general';
export type { SolverCovariance } from './covlasso';
export type { NativeFactoredCross, NativeFactoredHead, NativeMatrix } from '../runtime/native-types';
export type {
  CovLassoOptions,
  CovLassoBaseOptions,
  CovLassoPathOptions,
  CovLassoResult,
  CovLassoPathResult,
  GeneralProblem,
  SparseColumns,
} from './types';

/**
 * covlasso: the Covariance Lasso at native speed. Streamed float64 covariances of logits and
 * thousands of certified lassos at once, for finding neural dependencies between categories.
 * @packageDocumentation
 */
export { Matrix, asMatrix } from './matrix';
export type { Dtype, MatrixData, MatrixLike } from './matrix';
export {
  CovlassoError,
  CovlassoTypeError,
  CovlassoRangeError,
  NotFiniteError,
  NotSymmetricError,
  NpyFormatError,
  CovlassoAbortError,
  NativeUnavailableError,
} from './errors';
export type { CovlassoErrorCode } from './errors';
export type { RunOptions } from './run';
export { covariance, covarianceSync, crossMoments, crossMomentsSync, CovarianceAccumulator } from './covariance';
export type { CovarianceOptions, MomentOptions } from './covariance';
export { covLasso, covLassoSync, covLassoPath, covLassoPathSync, pathStep, targetCoefficients } from './lasso';
export type {
  CovLassoOptions,
  CovLassoBaseOptions,
  CovLassoPathOptions,
  CovLassoResult,
  CovLassoPathResult,
  SparseColumns,
} from './lasso';
export { readNpy, readNpySync, readNpyHeader, writeNpy, writeNpySync, parseNpy, encodeNpy } from './npy';
export type { NpyArray, NpyDtype, NpyHeader } from './npy';
export { findDependencies, dependencyReport, columnMeans } from './dependencies';
export type { FindDependenciesOptions, DependencyReport, TargetDependency } from './dependencies';

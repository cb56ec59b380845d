/**
 * Neural dependencies within one model: {@link findDependencies} and the records it writes.
 * @module
 */
export { findDependencies, findDependenciesFromNpy, dependenciesFromCovariance, dependencyReport } from './find';
export type { FindDependenciesOptions, FindDependenciesFromNpyOptions, DependenciesFromCovarianceOptions } from './find';
export type { DependencyReport, TargetDependency, TargetPath } from './types';

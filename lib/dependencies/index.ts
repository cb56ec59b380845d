/**
 * Neural dependencies within one model: {@link findDependencies} and the records it writes.
 * @module
 */
export { findDependencies, findDependenciesFromNpy, dependencyReport } from './find';
export type { FindDependenciesOptions, FindDependenciesFromNpyOptions } from './find';
export type { DependencyReport, TargetDependency, TargetPath } from './types';

/**
 * Neural dependencies within one model: {@link findDependencies} and the records it writes.
 * @module
 */
export { findDependencies, dependencyReport } from './find';
export type { FindDependenciesOptions } from './find';
export type { DependencyReport, TargetDependency, TargetPath } from './types';

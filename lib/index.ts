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
export { AccumulatorStateError } from './errors';
export {
  covarianceFromNpy,
  crossMomentsFromNpy,
  accumulateFromNpy,
  accumulateCrossFromNpy,
  parseByteSize,
  streamMemory,
} from './covariance-stream';
export type { NpyStreamOptions } from './covariance-stream';
export { encodeAccumulatorState, decodeAccumulatorState } from './accumulator-state';
export type { AccumulatorState } from './accumulator-state';
export { renderReport } from './report';
export type { ReportInput, ReportOptions, ReportTarget, ReportEvaluation, ReportLambdaPath } from './report';
export { solveGeneral, solveGeneralSync, generalProblem } from './toolkit/solve';
export type { SolveGeneralOptions } from './toolkit/solve';
export type { TargetPath } from './dependencies';
export { crossDependencies } from './toolkit/cross';
export type { CrossDependenciesOptions, CrossDependencyReport, CrossDependencies, CrossDirection } from './toolkit/cross';
export { evaluateReplacement, rowTop2, replacedColumn, predictReplaced } from './toolkit/evaluate';
export type { DependencyLike, ReplacementOptions, ReplacementEvaluation, TargetReplacement, RowTop2 } from './toolkit/evaluate';
export { dependencyGraph, toJSON, toDOT, toGraphML } from './toolkit/graph';
export type { DependencyGraph, DependencyGraphOptions, GraphNode, GraphEdge } from './toolkit/graph';
export { dependencyRegularizer } from './toolkit/regularizer';
export type { DependencyRegularizer, RegularizerOptions } from './toolkit/regularizer';
export { unseenCategories } from './toolkit/unseen';
export type { UnseenOptions, UnseenResult, UnseenScore, UnseenConstruction } from './toolkit/unseen';
export { symmetricEigen, numericalRank, bestResidualVariances } from './toolkit/linalg';
export type { SymmetricEigen } from './toolkit/linalg';
export { chooseLambdaByRecall } from './toolkit/choose-lambda';
export type { ChooseLambdaOptions, LambdaChoice, LambdaChoiceReport, ScoredDependency } from './toolkit/choose-lambda';
export { dependencyDiagnostics, dependencyScaling } from './toolkit/diagnostics';
export type { Diagnostics, DiagnosticsOptions, ScalingOptions, ScalingRow } from './toolkit/diagnostics';

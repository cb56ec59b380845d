/**
 * covlasso: the Covariance Lasso at native speed. Streamed float64 covariances of logits and
 * thousands of certified lassos at once, for finding neural dependencies between categories.
 * @packageDocumentation
 */
// Runtime: matrices, typed errors, the options every heavy call takes, backends.
export { Matrix, asMatrix } from './runtime/matrix';
export type { Dtype, MatrixData, MatrixLike, MatrixInput, TensorLike } from './runtime/matrix';
export {
  ERROR_CODES,
  CovlassoError,
  CovlassoTypeError,
  CovlassoRangeError,
  NotFiniteError,
  NotSymmetricError,
  NotPositiveSemidefiniteError,
  NpyFormatError,
  CovlassoAbortError,
  NativeUnavailableError,
  NativeLoadError,
  AccumulatorStateError,
  BackendUnavailableError,
  SafetensorsFormatError,
  ShardError,
  OptionalDependencyError,
  NpzFormatError,
} from './runtime/errors';
export type { CovlassoErrorCode } from './runtime/errors';
export type { NativeLoadProblem } from './runtime/native-load';
export type { RunOptions, SyncRunOptions, BackendChoice } from './runtime/run';
export { backends } from './runtime/backends';
export type { BackendInfo } from './runtime/backends';

// .npy files and .npz archives.
export * from './npy';

// safetensors checkpoints (the classification head of a model).
export * from './safetensors';

// Moments: covariance, cross moments, the streaming accumulator and its state files.
export * from './covariance';

// The CovLasso: general problems and the intra-model case.
export * from './lasso';

// Neural dependencies within one model.
export * from './dependencies';

// Shards of the rows and of the targets, for any scheduler, and their merges.
export { shardRange, parseShard, checkShard, covarianceShard, verifyCovarianceShard, mergeCovarianceShards, dependencyShard, readDependencyPartial, mergeDependencyShards, PARTIAL_FORMAT, PARTIAL_VERSION } from './distributed';
export type {
  ShardSpec,
  CovarianceShardOptions,
  CovarianceShardInfo,
  MergeCovarianceOptions,
  CovarianceSource,
  DependencyShardOptions,
  DependencyPartial,
  PartialOptions,
  CovarianceIdentity,
  TargetCertificate,
  MergeDependencyOptions,
} from './distributed';

// The HTML report.
export { renderReport } from './report';
export type { ReportInput, ReportOptions, ReportTarget, ReportEvaluation, ReportLambdaPath } from './report';

// The neural-dependency toolkit.
export { crossDependencies } from './toolkit/cross';
export type { CrossDependenciesOptions, CrossDependencyReport, CrossDependencies, CrossDirection } from './toolkit/cross';
export { evaluateReplacement, rowTop2, replacedColumn, predictReplaced } from './toolkit/evaluate';
export type { DependencyLike, ReplacementOptions, ReplacementEvaluation, TargetReplacement, RowTop2 } from './toolkit/evaluate';
export { dependencyGraph, toJSON, toDOT, toGraphML } from './toolkit/graph';
export type { DependencyGraph, DependencyGraphOptions, GraphNode, GraphEdge, ReportLike } from './toolkit/graph';
export { dependencyRegularizer } from './toolkit/regularizer';
export type { DependencyRegularizer, RegularizerOptions } from './toolkit/regularizer';
export { unseenCategories } from './toolkit/unseen';
export type { UnseenOptions, UnseenResult, UnseenScore, UnseenConstruction } from './toolkit/unseen';
export { symmetricEigen, rangeEigen, rangeEigenSync, numericalRank, bestResidualVariances } from './toolkit/linalg';
export type { SymmetricEigen, RangeEigen, RangeEigenOptions } from './toolkit/linalg';
export { chooseLambdaByRecall } from './toolkit/choose-lambda';
export type { ChooseLambdaOptions, LambdaChoice, LambdaChoiceReport, ScoredDependency } from './toolkit/choose-lambda';
export { dependencyDiagnostics, dependencyScaling } from './toolkit/diagnostics';
export type { Diagnostics, DiagnosticsOptions, ScalingOptions, ScalingRow, ThresholdCount } from './toolkit/diagnostics';

/**
 * Moments of logits: in-memory covariances and cross moments, the streaming and mergeable
 * accumulator, its `.cov` state files, streaming from `.npy` files, and column means.
 * @module
 */
export { covariance, covarianceSync, crossMoments, crossMomentsSync } from './in-memory';
export type { CovarianceOptions } from './in-memory';
export type { MomentOptions, ProductOptions } from './options';
export { CovarianceAccumulator } from './accumulator';
export { encodeAccumulatorState, decodeAccumulatorState } from './state-file';
export type { AccumulatorState } from './state-file';
export { covarianceFromNpy, crossMomentsFromNpy, accumulateFromNpy, accumulateCrossFromNpy, parseByteSize, streamMemory } from './stream';
export type { NpyStreamOptions } from './stream';
export { columnMeansOf as columnMeans } from './columns';
export { factoredCovariance, FactoredCovariance, factoredCrossCovariance, FactoredCrossCovariance, MAX_DENSE_CATEGORIES } from './factored';
export type { FactoredCovarianceInput, FactoredCrossInput, FactoredModel, FeatureMoments, SparseColumnsLike } from './factored';

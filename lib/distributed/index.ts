/**
 * Beyond one machine: shards of the rows (covariance `.cov` states) and of the targets (partial
 * dependency results) that any scheduler can run, and their checked merges.
 * @module
 */
export { shardRange, parseShard, checkShard } from './shard';
export type { ShardSpec } from './shard';
export { covarianceShard, covarianceShardRows, verifyCovarianceShard, loadCovarianceShard, mergeCovarianceShards, shardRecordPath } from './covariance';
export type { CovarianceShardOptions, CovarianceShardInfo, MergeCovarianceOptions } from './covariance';
export { dependencyShard, readDependencyPartial, readCovarianceNpy, matrixHash, PARTIAL_FORMAT, PARTIAL_VERSION } from './targets';
export type { CovarianceSource, DependencyShardOptions, DependencyPartial, PartialOptions, CovarianceIdentity, TargetCertificate } from './targets';
export { mergeDependencyShards } from './merge';
export type { MergeDependencyOptions } from './merge';

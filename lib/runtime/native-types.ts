/**
 * The JS ↔ C++ contract: one type per native call, exactly the keys the binding reads
 * (native/binding/*.cpp check that every key named here is present, of this type, and that no
 * other key is). Internal: users never see these.
 * @module
 */

/** Which backend runs a job (see {@link BackendChoice} in run.ts). */
export type NativeBackendName = 'cpu' | 'cuda' | 'auto';

/** A row-major float32/float64 matrix as the binding reads it. */
export interface NativeMatrix {
  /** Rows. */
  rows: number;
  /** Columns. */
  cols: number;
  /** Row-major values. */
  data: Float32Array | Float64Array;
}

/** What every job's arguments carry besides its own. */
export interface NativeExecutionArgs {
  /** Threads of covlasso's pool (0 = all hardware threads). */
  threads: number;
  backend: NativeBackendName;
}

/** `covariance` / `covarianceSync`: the covariance of x, or the cross moments of x and y, into out. */
export interface CovarianceCallArgs extends NativeExecutionArgs {
  x: NativeMatrix;
  y?: NativeMatrix;
  center: boolean;
  ddof: number;
  /** 'auto': float32 products when every input is float32; 'float64': always float64. */
  products: 'auto' | 'float64';
  /** x.cols × (y ?? x).cols, written in place. */
  out: Float64Array;
}

/** `MomentAccumulator#update` / `updateSync`: add a chunk of rows. */
export interface AccumulatorUpdateArgs extends NativeExecutionArgs {
  x: NativeMatrix;
  y?: NativeMatrix;
  products: 'auto' | 'float64';
}

/** Per (target, λ) outputs of a batch solve, written in place; T·K values target-major. */
export interface LassoOutputs {
  lambda: Float64Array;
  lambdaMax: Float64Array;
  objective: Float64Array;
  gap: Float64Array;
  residualVariance: Float64Array;
  iterations: Int32Array;
  converged: Uint8Array;
  /** T values: λ values solved per target. */
  pathLength: Int32Array;
}

/** Compressed sparse columns as the addon takes and returns them. */
export interface NativeCsc {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

/**
 * A CovLasso problem in general form (exported as `GeneralProblem`; built by `generalProblem`):
 * the Gram matrix of the sources, each target's cross moments and variance, as the core takes it.
 */
export interface NativeLassoProblem {
  /** G, p×p row-major, symmetric positive semi-definite; float32 is read as it is (widened exactly, float64 arithmetic). Exactly one of gram and factored. */
  gram?: Float64Array | Float32Array;
  /** G = S = Ã K Ãᵀ, a factored covariance; the cross moments are S itself (intra-model, p = m) or, with `cross`, Ã K_ST Ã_Tᵀ (no `cross` key). */
  factored?: Omit<NativeFactoredHead, 'threads'> & {
    /** Cross-model: the target model's head and K_ST (absent: the cross moments are S itself). */
    cross?: NativeFactoredCross;
  };
  /** Number of sources. */
  p: number;
  /** s, p×m row-major: column t holds target t's cross moments (absent: G itself, the intra-model case). */
  cross?: Float64Array | Float32Array;
  /** Number of targets' columns. */
  m: number;
  /** d, m values: each target's variance (second moment). */
  variance: Float64Array;
  /** Hold β_t = 0 (intra-model problems, where p = m). */
  excludeSelf: boolean;
}

/** `covLasso` / `covLassoSync`: a batch of targets of a general CovLasso problem over a λ sequence. */
export interface LassoCallArgs extends NativeExecutionArgs, NativeLassoProblem {
  penaltyFactor?: Float64Array;
  targets: Int32Array;
  lambdas: Float64Array;
  /** λ values are ratios of each target's λ_max. */
  relative: boolean;
  tol: number;
  maxIter: number;
  l1Ratio: number;
  positive: boolean;
  stopRelativeError: number;
  warmStart?: NativeCsc;
  out: LassoOutputs;
}

/** The raw state of a native accumulator (`state()`, and the 4th constructor argument). */
export interface NativeAccumulatorState {
  /** Rows accumulated. */
  count: number;
  /** Shifts subtracted from X's columns (length colsX; zeros while count is 0). */
  shiftX: Float64Array;
  /** Shifts subtracted from Y's columns (length colsY). */
  shiftY: Float64Array;
  /** Column sums of the shifted X (length colsX). */
  sumX: Float64Array;
  /** Column sums of the shifted Y (length colsY). */
  sumY: Float64Array;
  /** colsX × colsY shifted products, row-major (upper triangle only meaningful when symmetric). */
  moment: Float64Array;
}

/** Control object passed next to the arguments of an async native job. */
export interface NativeControl {
  token?: NativeCancelToken;
  onProgress?: (fraction: number) => void;
}

/** Native cancel flag. */
export interface NativeCancelToken {
  cancel(): void;
}

/** Streaming moment accumulator implemented in C++ (see CovarianceAccumulator). */
export interface NativeMomentAccumulator {
  update(args: AccumulatorUpdateArgs, control?: NativeControl): Promise<void>;
  updateSync(args: AccumulatorUpdateArgs): void;
  merge(other: NativeMomentAccumulator): void;
  count(): number;
  result(center: boolean, ddof: number, out: Float64Array): void;
  state(): NativeAccumulatorState;
}

/** One backend as the addon reports it. */
export interface NativeBackendStatus {
  name: string;
  compiled: boolean;
  available: boolean;
  detail: string;
}

/** `symmetricEigen` / `symmetricEigenSync`: a (n×n, overwritten: the eigenvectors as columns when `vectors`). */
export interface SymmetricEigenCallArgs {
  a: Float64Array;
  n: number;
  vectors: boolean;
  threads: number;
}

/** `rangeEigen` / `rangeEigenSync`: the leading eigenpairs of a large low-rank s (n×n). */
export interface RangeEigenCallArgs {
  s: Float64Array;
  n: number;
  initialRank: number;
  oversample: number;
  /** 0: up to n. */
  maxRank: number;
  powerIterations: number;
  /** 0: n·2⁻⁵². */
  rankTolerance: number;
  seed: number;
  threads: number;
}

/** What `rangeEigen` returns: k Ritz values (ascending) and vectors (n×k row-major, columns). */
export interface NativeRangeEigen {
  values: Float64Array;
  vectors: Float64Array;
  k: number;
  rank: number;
  complete: boolean;
}

/** The head every factored-covariance call carries: S = Ã K Ãᵀ with Ã = [w | bias] (native/core/factored.hpp). */
export interface NativeFactoredHead {
  /** W, C×d, float32 or float64. */
  w: NativeMatrix;
  /** b (C values); absent: no bias column. */
  bias?: Float64Array;
  /** K, r×r row-major (r = d + 1 with a bias, else d). */
  kernel: Float64Array;
  /** Threads of the call (the solver's own when the head is part of a lasso problem). */
  threads: number;
}

/** A factored problem's cross moments S_ST = Ã_S K_ST Ã_Tᵀ: the target model's head and K_ST. */
export interface NativeFactoredCross {
  /** W_T, C_T×d_T (m rows), float32 or float64. */
  w: NativeMatrix;
  /** b_T (m values); absent: no bias column. */
  bias?: Float64Array;
  /** K_ST, r_S×r_T row-major. */
  kernel: Float64Array;
}

/** `factoredTimes` / `factoredTimesSync`: out (C×k) = S·b for a dense b (C×k). */
export interface FactoredTimesCallArgs extends NativeFactoredHead {
  b: Float64Array;
  k: number;
  out: Float64Array;
}

/** `factoredSparseTimes` / `factoredSparseTimesSync`: out (C×k) = S·B for k compressed sparse columns. */
export interface FactoredSparseTimesCallArgs extends NativeFactoredHead {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
  k: number;
  out: Float64Array;
}

/** `factoredDiagonal` / `factoredDiagonalSync`: out (C) = diag(S). */
export interface FactoredDiagonalCallArgs extends NativeFactoredHead {
  out: Float64Array;
}

/** The addon's exports. */
export interface NativeAddon {
  covLasso(args: LassoCallArgs, control?: NativeControl): Promise<NativeCsc>;
  covLassoSync(args: LassoCallArgs): NativeCsc;
  covariance(args: CovarianceCallArgs, control?: NativeControl): Promise<void>;
  covarianceSync(args: CovarianceCallArgs): void;
  MomentAccumulator: new (colsX: number, colsY: number, symmetric: boolean, state?: NativeAccumulatorState) => NativeMomentAccumulator;
  CancelToken: new () => NativeCancelToken;
  hardwareThreads: number;
  /** native/core/error_codes.def, in order. */
  errorCodes: string[];
  backends(): NativeBackendStatus[];
  symmetricEigen(args: SymmetricEigenCallArgs, control?: NativeControl): Promise<{ values: Float64Array }>;
  symmetricEigenSync(args: SymmetricEigenCallArgs): { values: Float64Array };
  rangeEigen(args: RangeEigenCallArgs, control?: NativeControl): Promise<NativeRangeEigen>;
  rangeEigenSync(args: RangeEigenCallArgs): NativeRangeEigen;
  factoredTimes(args: FactoredTimesCallArgs, control?: NativeControl): Promise<void>;
  factoredTimesSync(args: FactoredTimesCallArgs): void;
  factoredSparseTimes(args: FactoredSparseTimesCallArgs, control?: NativeControl): Promise<void>;
  factoredSparseTimesSync(args: FactoredSparseTimesCallArgs): void;
  factoredDiagonal(args: FactoredDiagonalCallArgs, control?: NativeControl): Promise<void>;
  factoredDiagonalSync(args: FactoredDiagonalCallArgs): void;
}

/**
 * Typed errors. Every error covlasso raises on bad input or a failed call carries a stable
 * `code` (`ERR_COVLASSO_*`) that programs can switch on; messages are for people and may change.
 * @module
 */
import type { NativeLoadProblem } from './native-load';

/**
 * Every stable error code covlasso uses: the same list, in the same order, as the core's
 * `native/core/error_codes.def` (a test checks that they agree).
 */
export const ERROR_CODES = [
  'ERR_COVLASSO_INVALID_ARGUMENT',
  'ERR_COVLASSO_INVALID_DTYPE',
  'ERR_COVLASSO_SHAPE_MISMATCH',
  'ERR_COVLASSO_NOT_FINITE',
  'ERR_COVLASSO_NOT_SYMMETRIC',
  'ERR_COVLASSO_NOT_PSD',
  'ERR_COVLASSO_NEGATIVE_LAMBDA',
  'ERR_COVLASSO_TARGET_OUT_OF_RANGE',
  'ERR_COVLASSO_NPY_FORMAT',
  'ERR_COVLASSO_NPZ_FORMAT',
  'ERR_COVLASSO_STATE_FORMAT',
  'ERR_COVLASSO_SAFETENSORS_FORMAT',
  'ERR_COVLASSO_JSON_FORMAT',
  'ERR_COVLASSO_NOT_CONVERGED',
  'ERR_COVLASSO_ABORTED',
  'ERR_COVLASSO_OUT_OF_MEMORY',
  'ERR_COVLASSO_BACKEND_UNAVAILABLE',
  'ERR_COVLASSO_NATIVE_UNAVAILABLE',
  'ERR_COVLASSO_NATIVE_LOAD_FAILED',
  'ERR_COVLASSO_SHARD',
  'ERR_COVLASSO_OPTIONAL_DEPENDENCY',
  'ERR_COVLASSO_INTERNAL',
] as const;

/** Every stable error code covlasso uses (see {@link ERROR_CODES}). */
export type CovlassoErrorCode = (typeof ERROR_CODES)[number];

/** Base class of every error covlasso raises itself (other than plain `TypeError`/`RangeError`). */
export class CovlassoError extends Error {
  /** Stable, machine-readable code. */
  readonly code: CovlassoErrorCode;
  /**
   * An error with a stable code.
   * @param code the stable code
   * @param message for people
   * @param options `cause`: the underlying error
   */
  constructor(code: CovlassoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CovlassoError';
    this.code = code;
  }
}

/** An argument has the wrong type or dtype (e.g. an Int32Array where a Float64Array is needed). */
export class CovlassoTypeError extends CovlassoError {
  /**
   * An error with a stable code.
   * @param code the stable code (e.g. `ERR_COVLASSO_INVALID_DTYPE`)
   * @param message for people
   */
  constructor(code: CovlassoErrorCode, message: string) {
    super(code, message);
    this.name = 'CovlassoTypeError';
  }
}

/** An argument's value is out of its domain (negative λ, target out of range, wrong shape). */
export class CovlassoRangeError extends CovlassoError {
  /**
   * An error with a stable code.
   * @param code the stable code (e.g. `ERR_COVLASSO_INVALID_DTYPE`)
   * @param message for people
   */
  constructor(code: CovlassoErrorCode, message: string) {
    super(code, message);
    this.name = 'CovlassoRangeError';
  }
}

/** Input data contains NaN or ±Infinity. */
export class NotFiniteError extends CovlassoError {
  /**
   * An error with this class's code.
   * @param message for people
   */
  constructor(message: string) {
    super('ERR_COVLASSO_NOT_FINITE', message);
    this.name = 'NotFiniteError';
  }
}

/** A covariance that must be square and symmetric is not. */
export class NotSymmetricError extends CovlassoError {
  /**
   * An error with this class's code.
   * @param message for people
   */
  constructor(message: string) {
    super('ERR_COVLASSO_NOT_SYMMETRIC', message);
    this.name = 'NotSymmetricError';
  }
}

/**
 * A covariance is provably not positive semidefinite: a solve reached a negative duality gap or
 * a negative residual variance, which only an indefinite matrix allows (its objective is
 * unbounded below, so no coefficients can be certified). Covariances of real data are PSD; an
 * edited, forged or badly rounded one is not.
 */
export class NotPositiveSemidefiniteError extends CovlassoError {
  /**
   * An error with this class's code.
   * @param message for people
   */
  constructor(message: string) {
    super('ERR_COVLASSO_NOT_PSD', message);
    this.name = 'NotPositiveSemidefiniteError';
  }
}

/** A `.npy` file cannot be read or written (bad magic, unsupported dtype or order, truncated). */
export class NpyFormatError extends CovlassoError {
  /**
   * An error with this class's code.
   * @param message for people
   */
  constructor(message: string) {
    super('ERR_COVLASSO_NPY_FORMAT', message);
    this.name = 'NpyFormatError';
  }
}

/** The call was aborted through its `AbortSignal`; `cause` holds the signal's reason. */
export class CovlassoAbortError extends CovlassoError {
  /**
   * The abort error of a signal.
   * @param reason the signal's `reason`, kept as `cause`
   */
  constructor(reason?: unknown) {
    super('ERR_COVLASSO_ABORTED', 'The operation was aborted', { cause: reason });
    this.name = 'AbortError';
  }
}

/**
 * The native addon could not be loaded: no prebuilt binary for this platform and no source build
 * (`code === 'ERR_COVLASSO_NATIVE_UNAVAILABLE'`), or, as its subclass {@link NativeLoadError}, a
 * binary that the system loader refused (`'ERR_COVLASSO_NATIVE_LOAD_FAILED'`).
 */
export class NativeUnavailableError extends CovlassoError {
  /**
   * An error with this class's code (or its subclass's).
   * @param message for people
   * @param cause the underlying error (node-gyp-build's, or the loader's)
   * @param code set by {@link NativeLoadError}; `'ERR_COVLASSO_NATIVE_UNAVAILABLE'` otherwise
   */
  constructor(message: string, cause?: unknown, code: 'ERR_COVLASSO_NATIVE_UNAVAILABLE' | 'ERR_COVLASSO_NATIVE_LOAD_FAILED' = 'ERR_COVLASSO_NATIVE_UNAVAILABLE') {
    super(code, message, { cause });
    this.name = 'NativeUnavailableError';
  }
}

/**
 * A native binary was found but the system loader refused it. The message says why, with the
 * loader's own words (a missing GLIBC_ version, another architecture, a corrupted file, …), and
 * what to do; `problem` names the kind for programs. `code === 'ERR_COVLASSO_NATIVE_LOAD_FAILED'`.
 */
export class NativeLoadError extends NativeUnavailableError {
  /** The binary that failed to load. */
  readonly binaryPath: string;
  /** What went wrong (see {@link NativeLoadProblem}). */
  readonly problem: NativeLoadProblem;
  /** The loader's message (first line), e.g. "…/libc.so.6: version `GLIBC_2.34' not found (required by …)". */
  readonly loaderMessage: string;
  /**
   * An error with this class's code, naming the binary and the problem.
   * @param message the whole explanation, for people
   * @param details the binary, the problem and the loader's message
   * @param cause the loader's error
   */
  constructor(message: string, details: { binaryPath: string; problem: NativeLoadProblem; loaderMessage: string }, cause?: unknown) {
    super(message, cause, 'ERR_COVLASSO_NATIVE_LOAD_FAILED');
    this.name = 'NativeLoadError';
    this.binaryPath = details.binaryPath;
    this.problem = details.problem;
    this.loaderMessage = details.loaderMessage;
  }
}

/**
 * A saved accumulator state (`CovarianceAccumulator.load` / `fromState`) is not a covlasso state
 * file, has an unsupported version, is truncated or corrupted (checksum), or is inconsistent
 * (sizes, count, non-finite values). `code === 'ERR_COVLASSO_STATE_FORMAT'`.
 */
export class AccumulatorStateError extends CovlassoError {
  /**
   * An error with this class's code.
   * @param message for people
   * @param cause the underlying error
   */
  constructor(message: string, cause?: unknown) {
    super('ERR_COVLASSO_STATE_FORMAT', message, { cause });
    this.name = 'AccumulatorStateError';
  }
}

/**
 * The backend asked for (`backend: 'cuda'`, or `COVLASSO_BACKEND`) cannot run here; the message
 * says why in one line (built without CUDA, no driver, no device, out of device memory).
 * `code === 'ERR_COVLASSO_BACKEND_UNAVAILABLE'`.
 */
export class BackendUnavailableError extends CovlassoError {
  /**
   * An error with this class's code.
   * @param message for people
   */
  constructor(message: string) {
    super('ERR_COVLASSO_BACKEND_UNAVAILABLE', message);
    this.name = 'BackendUnavailableError';
  }
}

/**
 * A `.safetensors` checkpoint (or its `model.safetensors.index.json`) cannot be read: truncated,
 * a header that is not a JSON object or is nested too deeply, forged offsets (overlapping, out of
 * the file, not the size of shape × dtype), an unknown or unsupported dtype, or a tensor name the
 * checkpoint does not hold (the message lists some that it does). `code === 'ERR_COVLASSO_SAFETENSORS_FORMAT'`.
 */
export class SafetensorsFormatError extends CovlassoError {
  /**
   * An error with this class's code.
   * @param message for people
   */
  constructor(message: string) {
    super('ERR_COVLASSO_SAFETENSORS_FORMAT', message);
    this.name = 'SafetensorsFormatError';
  }
}

/**
 * A JSON file the CLI reads (e.g. the input of `covlasso report`) is not JSON, has a `format` or
 * `version` this covlasso does not read, or breaks its JSON Schema (shipped in the package's
 * schema/ folder); the message says where, in one line. `code === 'ERR_COVLASSO_JSON_FORMAT'`.
 */
export class JsonFormatError extends CovlassoError {
  /**
   * An error with this class's code.
   * @param message for people
   */
  constructor(message: string) {
    super('ERR_COVLASSO_JSON_FORMAT', message);
    this.name = 'JsonFormatError';
  }
}

/**
 * A shard does not fit: a shard spec `k/n` out of range, or a shard file (a `.cov` state or a
 * partial dependency result) that is missing, corrupted, of another job (options, covariance),
 * duplicated or absent from a merge. `shard` names the shard index when known, `file` the file.
 * `code === 'ERR_COVLASSO_SHARD'`.
 */
export class ShardError extends CovlassoError {
  /** The shard's index k, when the error concerns one shard. */
  readonly shard?: number;
  /** The shard file concerned, when there is one. */
  readonly file?: string;
  /**
   * An error with this class's code.
   * @param message for people
   * @param options the shard and file concerned, and the underlying error
   */
  constructor(message: string, options?: { shard?: number; file?: string; cause?: unknown }) {
    super('ERR_COVLASSO_SHARD', message, { cause: options?.cause });
    this.name = 'ShardError';
    if (options?.shard !== undefined) this.shard = options.shard;
    if (options?.file !== undefined) this.file = options.file;
  }
}

/**
 * `covlasso deps --strict`: some target's solve stopped at `maxIter` without its certificate
 * (the output was written; the exit status is 3). `code === 'ERR_COVLASSO_NOT_CONVERGED'`.
 */
export class NotConvergedError extends CovlassoError {
  /** How many targets did not converge. */
  readonly unconverged: number;
  /**
   * An error with this class's code.
   * @param message for people
   * @param unconverged how many targets did not converge
   */
  constructor(message: string, unconverged: number) {
    super('ERR_COVLASSO_NOT_CONVERGED', message);
    this.name = 'NotConvergedError';
    this.unconverged = unconverged;
  }
}

/**
 * An optional peer dependency a feature needs is not installed (e.g. `bullmq` for
 * `covlasso/queue`); the message says what to install. `code === 'ERR_COVLASSO_OPTIONAL_DEPENDENCY'`.
 */
export class OptionalDependencyError extends CovlassoError {
  /**
   * An error with this class's code.
   * @param message for people: what to install
   * @param cause the import's error
   */
  constructor(message: string, cause?: unknown) {
    super('ERR_COVLASSO_OPTIONAL_DEPENDENCY', message, { cause });
    this.name = 'OptionalDependencyError';
  }
}

/**
 * A `.npz` archive cannot be read: not a zip file, truncated, a forged or inconsistent central
 * directory (offsets or sizes outside the file, local headers that disagree with it, entries
 * that overlap), an unsupported compression method or encryption, a CRC-32 or size mismatch,
 * a duplicate or missing member, or a member that is not a `.npy` file (its message then
 * carries the {@link NpyFormatError}'s, as `cause`). `code === 'ERR_COVLASSO_NPZ_FORMAT'`.
 */
export class NpzFormatError extends CovlassoError {
  /**
   * An error with this class's code.
   * @param message for people
   * @param cause the underlying error
   */
  constructor(message: string, cause?: unknown) {
    super('ERR_COVLASSO_NPZ_FORMAT', message, { cause });
    this.name = 'NpzFormatError';
  }
}

/**
 * What every heavy call shares: the `{ threads, signal, onProgress }` options, running a native
 * job as a Promise that always settles, and turning native errors into typed errors.
 * @module
 */
import {
  BackendUnavailableError,
  CovlassoAbortError,
  CovlassoError,
  CovlassoErrorCode,
  CovlassoRangeError,
  CovlassoTypeError,
  NotFiniteError,
  NotSymmetricError,
  NotPositiveSemidefiniteError,
} from './errors';
import { loadNative } from './native';
import type { NativeControl, NativeExecutionArgs } from './native-types';

/**
 * Which backend runs a call: `'cpu'`, `'cuda'` (an NVIDIA GPU; a {@link BackendUnavailableError}
 * where it cannot run) or `'auto'` (CUDA when a usable device is present, else the CPU).
 */
export type BackendChoice = 'cpu' | 'cuda' | 'auto';

/** Options every heavy call takes. */
export interface RunOptions {
  /**
   * The backend (default: `COVLASSO_BACKEND` from the environment, else `'auto'`). Results
   * follow one contract on every backend (see the README).
   */
  backend?: BackendChoice;
  /**
   * Threads of covlasso's own pool to use (default: `COVLASSO_THREADS` from the environment,
   * else every CPU this process may run on: its CPU affinity mask on Linux, as `taskset`,
   * cpusets and `docker --cpuset-cpus` set it, the count `os.availableParallelism()` gives).
   * Results are identical for any value.
   */
  threads?: number;
  /** Aborts the call: the Promise then rejects with a {@link CovlassoAbortError}. */
  signal?: AbortSignal;
  /** Called with the fraction done in [0, 1], at most every 100 ms, and once with 1 at the end. */
  onProgress?: (fraction: number) => void;
}

/** The options of the `*Sync` twins: those of {@link RunOptions} that a blocking call can use. */
export type SyncRunOptions = Pick<RunOptions, 'threads' | 'backend'>;

/** The thread count to pass to the core (0 = the core's default: the CPUs of the affinity mask). */
export function resolveThreads(threads: number | undefined): number {
  if (threads === undefined) {
    const fromEnv = process.env.COVLASSO_THREADS;
    if (fromEnv === undefined || fromEnv === '') return 0;
    const n = Number(fromEnv);
    if (!Number.isInteger(n) || n < 1) {
      throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `COVLASSO_THREADS must be a positive integer, got '${fromEnv}'`);
    }
    return n;
  }
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `threads must be an integer in 1..256, got ${threads}`);
  }
  return threads;
}

const BACKENDS: readonly BackendChoice[] = ['cpu', 'cuda', 'auto'];

/** The backend to ask the core for: the option, else `COVLASSO_BACKEND`, else `'auto'` (the one place the variable is read). */
export function resolveBackend(backend: BackendChoice | undefined): BackendChoice {
  if (backend === undefined) {
    const fromEnv = process.env.COVLASSO_BACKEND;
    if (fromEnv === undefined || fromEnv === '') return 'auto';
    if (!(BACKENDS as readonly string[]).includes(fromEnv)) {
      throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `COVLASSO_BACKEND must be cpu, cuda or auto, got '${fromEnv}'`);
    }
    return fromEnv as BackendChoice;
  }
  if (!BACKENDS.includes(backend)) {
    throw new CovlassoRangeError('ERR_COVLASSO_INVALID_ARGUMENT', `backend must be 'cpu', 'cuda' or 'auto', got ${String(backend)}`);
  }
  return backend;
}

/**
 * Checks the options every heavy call shares and returns what the core needs of them: the
 * thread count and the backend. The one owner of those checks.
 */
export function executionArgs(options: RunOptions): NativeExecutionArgs {
  checkRunOptions(options);
  return { threads: resolveThreads(options.threads), backend: resolveBackend(options.backend) };
}

/** Checks the shared options' types (threads are checked by {@link resolveThreads}). */
export function checkRunOptions(options: RunOptions): void {
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'signal must be an AbortSignal');
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', 'onProgress must be a function');
  }
}

/** Maps an error thrown by the addon (a plain Error with a `code`) to covlasso's typed errors. */
export function fromNativeError(error: unknown): unknown {
  // Duck-typed: errors created by the addon may come from another realm (e.g. jest's sandbox),
  // where `instanceof Error` fails.
  if (error === null || typeof error !== 'object' || error instanceof CovlassoError) return error;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !code.startsWith('ERR_COVLASSO_') || typeof message !== 'string') return error;
  return typedError(code as CovlassoErrorCode, message);
}

function typedError(code: CovlassoErrorCode, message: string): CovlassoError {
  switch (code) {
    case 'ERR_COVLASSO_NOT_FINITE':
      return new NotFiniteError(message);
    case 'ERR_COVLASSO_NOT_SYMMETRIC':
      return new NotSymmetricError(message);
    case 'ERR_COVLASSO_NOT_PSD':
      return new NotPositiveSemidefiniteError(message);
    case 'ERR_COVLASSO_ABORTED':
      return new CovlassoAbortError();
    case 'ERR_COVLASSO_BACKEND_UNAVAILABLE':
      return new BackendUnavailableError(message);
    case 'ERR_COVLASSO_INVALID_DTYPE':
      return new CovlassoTypeError(code, message);
    case 'ERR_COVLASSO_SHAPE_MISMATCH':
    case 'ERR_COVLASSO_INVALID_ARGUMENT':
      return new CovlassoRangeError(code, message);
    default:
      return new CovlassoError(code, message);
  }
}

/** Runs a synchronous native call, mapping its errors. */
export function runSync<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw fromNativeError(error);
  }
}

/**
 * Runs an async native job with cancellation and progress wired to the options.
 * The returned Promise always settles: with the job's value, a typed error, or an abort error.
 */
export async function runAsync<A, T>(
  start: (args: A, control: NativeControl) => Promise<T>,
  args: A,
  options: RunOptions,
): Promise<T> {
  const { signal, onProgress } = options;
  if (signal?.aborted) throw new CovlassoAbortError(signal.reason);
  const token = new (loadNative().CancelToken)();
  const onAbort = (): void => token.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  // Reports from the core's threads reach the event loop asynchronously, possibly after the job
  // settled: pass them on only while it runs and only when they move forward, so callers see a
  // non-decreasing sequence that ends with exactly one 1.
  let settled = false;
  let last = 0;
  // A callback that throws must not be swallowed (nor, under
  // --force-node-api-uncaught-exceptions-policy, leave the Promise unsettled): the first error
  // is kept, the job is cancelled, and the call rejects with that error once the job settles.
  let progressError: { error: unknown } | undefined;
  const forward = onProgress && ((f: number): void => {
    if (settled || progressError || !(f >= last) || f >= 1) return;
    last = f;
    try {
      onProgress(f);
    } catch (error) {
      progressError = { error };
      token.cancel();
    }
  });
  try {
    let value: T;
    try {
      value = await start(args, { token, onProgress: forward });
    } catch (error) {
      if (progressError) throw progressError.error;
      if (signal?.aborted) throw new CovlassoAbortError(signal.reason);
      throw fromNativeError(error);
    }
    settled = true;
    if (progressError) throw progressError.error;
    onProgress?.(1);
    return value;
  } finally {
    settled = true;
    signal?.removeEventListener('abort', onAbort);
  }
}

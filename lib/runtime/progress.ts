/**
 * Progress and abort for calls made of several stages (native jobs and JS loops in between):
 * one `onProgress` split into weighted consecutive stages, and a cooperative checkpoint that lets
 * a long JS loop yield to the event loop, honour its `AbortSignal` and report progress.
 * @module
 */
import { CovlassoAbortError } from './errors';

/** A progress callback (fraction done in [0, 1]). */
export type ProgressFn = (fraction: number) => void;

/**
 * Splits `onProgress` into consecutive stages of the given relative weights: stage i's callback
 * maps its own [0, 1] onto its share of the whole. All undefined without `onProgress`.
 * @example
 * const [cov, solve] = progressStages(options.onProgress, [1, 3]);
 */
export function progressStages(onProgress: ProgressFn | undefined, weights: readonly number[]): Array<ProgressFn | undefined> {
  const total = weights.reduce((a, b) => a + b, 0);
  let start = 0;
  return weights.map((w) => {
    const from = start / total;
    const share = w / total;
    start += w;
    return onProgress && ((f: number) => onProgress(Math.min(1, from + share * Math.max(0, Math.min(1, f)))));
  });
}

/**
 * A checkpoint for long JS loops: `await checkpoint(fraction)` throws {@link CovlassoAbortError}
 * once `signal` aborted, and at most every `intervalMs` yields to the event loop (so timers,
 * I/O and the abort itself get their turn) and reports `fraction` to `onProgress`.
 */
export function checkpoints(signal: AbortSignal | undefined, onProgress: ProgressFn | undefined, intervalMs = 50): (fraction: number) => Promise<void> {
  let last = Date.now();
  return async (fraction: number): Promise<void> => {
    if (signal?.aborted) throw new CovlassoAbortError(signal.reason);
    if (Date.now() - last < intervalMs) return;
    onProgress?.(fraction);
    await new Promise<void>((resolve) => setImmediate(resolve));
    last = Date.now();
    if (signal?.aborted) throw new CovlassoAbortError(signal.reason);
  };
}

/**
 * Which backends this install has: what `covlasso info` prints.
 * @module
 */
import { loadNative } from './native';
import { runSync } from './run';

/** One backend of this install. */
export interface BackendInfo {
  /** `'cpu'` or `'cuda'`: what `backend:` and `COVLASSO_BACKEND` take. */
  name: string;
  /** Built into this binary. */
  compiled: boolean;
  /** Usable on this machine now (`backend: 'auto'` picks the best available one). */
  available: boolean;
  /** The device (threads and SIMD kernel, or the GPU), or one line saying why it is not available. */
  detail: string;
}

/**
 * The backends of this install and whether each can run here.
 * @throws NativeUnavailableError when the native addon cannot be loaded
 * @example
 * for (const b of backends()) console.log(b.name, b.available ? b.detail : `unavailable: ${b.detail}`);
 */
export function backends(): BackendInfo[] {
  return runSync(() => loadNative().backends()).map((b) => ({ name: b.name, compiled: b.compiled, available: b.available, detail: b.detail }));
}

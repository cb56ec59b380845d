/**
 * Typed-array checks that also hold across realms (arrays made by the addon, in a vm context
 * or another worker), where `instanceof Float64Array` would fail.
 * @module
 */
import { CovlassoError, CovlassoTypeError } from './errors';

/** The typed arrays covlasso reads and writes. */
export type TypedArrayName = 'Float32Array' | 'Float64Array' | 'Int32Array' | 'Uint8Array' | 'Uint16Array' | 'BigInt64Array';

/** True when a typed array's memory is a SharedArrayBuffer (which can never be detached). */
export function isShared(a: ArrayBufferView): boolean {
  return Object.prototype.toString.call(a.buffer) === '[object SharedArrayBuffer]';
}

/** Arrays covlasso allocated for its own use and never hands out ({@link markPrivate}). */
const privateArrays = new WeakSet<ArrayBufferView>();

/**
 * Marks `a` as covlasso's own: an intermediate no caller can reach (e.g. the covariance inside
 * `findDependencies`), which {@link detachSafe} then reads in place, as nobody can detach it, so
 * a dependency search holds S once instead of twice. Only for arrays that are never returned or
 * passed to user code. Returns `a`.
 */
export function markPrivate<T extends ArrayBufferView>(a: T): T {
  privateArrays.add(a);
  return a;
}

/** Bytes copied per turn of the event loop by {@link detachSafe} (a few ms of copying). */
const COPY_SLICE_BYTES = 4 << 20;

/**
 * The memory an ASYNC native call may read while the JS thread runs on: a private copy of a
 * user's typed array (a SharedArrayBuffer's view, or an array covlasso marked as its own with
 * {@link markPrivate}, as it is).
 *
 * Why a copy: the core reads its inputs on other threads for the whole call, and N-API cannot
 * pin an ArrayBuffer's memory. Holding a reference to the typed array keeps the object alive,
 * not its bytes: a user who detaches or transfers the buffer mid-call
 * (`worker.postMessage(buf, [buf])`, `structuredClone(buf, { transfer: [buf] })`,
 * `buf.transfer()`) hands the memory to a new owner that may free it under the core, a
 * use-after-free, and the detachment cannot be seen from the core's threads (checking it when
 * the call ends is too late). A copy that only the job references cannot be detached by anyone,
 * so the use-after-free is impossible by default. A SharedArrayBuffer cannot be detached at all
 * (its memory lives while any view of it does), so it is read in place. The cost is one memcpy
 * of the input per async call and, while the call runs, the input's size again in memory (the
 * README's "Inputs of async calls" gives measurements); the `*Sync` twins read the user's
 * memory in place, as nothing else runs while they do.
 *
 * The copy is made on the JS thread (only there is the source known to be alive), in slices of
 * 4 MiB with a turn of the event loop between them, so a large input does not block the loop;
 * a source detached between two slices is seen (its length drops to 0) and refused.
 * @param what - names the argument in the error message
 * @throws CovlassoError (`ERR_COVLASSO_INVALID_ARGUMENT`) when the caller detaches it meanwhile
 */
export async function detachSafe<T extends ArrayBufferView & { slice(): T; subarray(b: number, e: number): T; length: number; set(a: T, offset: number): void }>(a: T, what = 'an input'): Promise<T> {
  if (isShared(a) || privateArrays.has(a)) return a;
  const length = a.length;
  if (a.byteLength <= COPY_SLICE_BYTES) return orOutOfMemory(() => a.slice(), a.byteLength, `a private copy of ${what}`);
  const out = allocate(a.constructor as new (n: number) => T, length, `a private copy of ${what}`);
  const step = Math.max(1, Math.floor(COPY_SLICE_BYTES / (a.byteLength / length)));
  for (let i = 0; i < length; i += step) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    if (a.length !== length) {
      throw detachedError(what);
    }
    out.set(a.subarray(i, Math.min(length, i + step)), i);
  }
  return out;
}

/** True when `value` is a typed array of the given kind, from any realm. */
export function isTypedArray(value: unknown, name: TypedArrayName): boolean {
  return ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === `[object ${name}]`;
}

/**
 * Allocates an output (a typed array or ArrayBuffer of `length` elements): the one place lib/
 * allocates what it returns or reads into, so that a size too large to allocate (V8's
 * `RangeError: Invalid typed array length` / `Array buffer allocation failed`) is a
 * {@link CovlassoError} with code `ERR_COVLASSO_OUT_OF_MEMORY`.
 * @param what - what is being allocated, for the message (e.g. "the 1000000×1000000 covariance")
 */
export function allocate<T>(kind: { new (length: number): T; readonly BYTES_PER_ELEMENT?: number }, length: number, what: string): T {
  return orOutOfMemory(() => new kind(length), length * (kind.BYTES_PER_ELEMENT ?? 1), what);
}

/** make(), with V8's allocation failures (RangeError) as `ERR_COVLASSO_OUT_OF_MEMORY`. */
function orOutOfMemory<T>(make: () => T, bytes: number, what: string): T {
  try {
    return make();
  } catch (error) {
    // Duck-typed: under a vm context (jest's sandbox) V8's RangeError is another realm's.
    if ((error as { name?: unknown } | null)?.name !== 'RangeError') throw error;
    throw new CovlassoError('ERR_COVLASSO_OUT_OF_MEMORY', `cannot allocate ${what}: ${bytes} bytes (${(error as Error).message})`, { cause: error });
  }
}

/** The error of an input whose buffer was detached before an async call had copied it. */
export function detachedError(what: string): CovlassoTypeError {
  return new CovlassoTypeError('ERR_COVLASSO_INVALID_ARGUMENT', `${what} was detached or transferred while covlasso was reading it`);
}

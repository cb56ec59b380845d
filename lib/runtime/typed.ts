/**
 * Typed-array checks that also hold across realms (arrays made by the addon, in a vm context
 * or another worker), where `instanceof Float64Array` would fail.
 * @module
 */

/** The typed arrays covlasso reads and writes. */
export type TypedArrayName = 'Float32Array' | 'Float64Array' | 'Int32Array' | 'Uint8Array' | 'BigInt64Array';

/** True when a typed array's memory is a SharedArrayBuffer (which can never be detached). */
export function isShared(a: ArrayBufferView): boolean {
  return Object.prototype.toString.call(a.buffer) === '[object SharedArrayBuffer]';
}

/**
 * The memory an ASYNC native call may read while the JS thread runs on: a private copy of a
 * user's typed array (a SharedArrayBuffer's view as it is).
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
 */
export function detachSafe<T extends ArrayBufferView & { slice(): T }>(a: T): T {
  return isShared(a) ? a : a.slice();
}

/** True when `value` is a typed array of the given kind, from any realm. */
export function isTypedArray(value: unknown, name: TypedArrayName): boolean {
  return ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === `[object ${name}]`;
}

/**
 * Typed-array checks that also hold across realms (arrays made by the addon, in a vm context
 * or another worker), where `instanceof Float64Array` would fail.
 * @module
 */

/** The typed arrays covlasso reads and writes. */
export type TypedArrayName = 'Float32Array' | 'Float64Array' | 'Int32Array' | 'Uint8Array' | 'BigInt64Array';

/** True when `value` is a typed array of the given kind, from any realm. */
export function isTypedArray(value: unknown, name: TypedArrayName): boolean {
  return ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === `[object ${name}]`;
}

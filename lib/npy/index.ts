/**
 * `.npy` files: reading (zero-copy into typed arrays), writing, and the header and its Python
 * literal parser.
 * @module
 */
export { readNpy, readNpySync, readNpyHeader, readNpyRows, writeNpy, writeNpySync, parseNpy, encodeNpy } from './io';
export type { NpyArray, NpyDtype, NpyHeader } from './io';

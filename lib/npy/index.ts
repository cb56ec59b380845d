/**
 * `.npy` files: reading (zero-copy into typed arrays; float16 and bfloat16 widened to float32),
 * writing, `.npz` archives (reading), and the header and its Python
 * literal parser.
 * @module
 */
export { readNpy, readNpySync, readNpyHeader, readNpyRows, writeNpy, writeNpySync, parseNpy, encodeNpy } from './io';
export type { NpyArray, NpyArrayInput, NpyData, NpyDataOf, NpyDtype, NpyFileDtype, NpyHeader, NpyReadOptions, NpyTypedArray } from './io';
export { readNpz, readNpzSync, parseNpz } from './npz';
export type { NpzReadOptions } from './npz';

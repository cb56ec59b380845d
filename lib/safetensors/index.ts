/**
 * safetensors checkpoints: headers, single tensors read as float32 without reading the file whole,
 * sharded checkpoints, and the (possibly tied) classification head.
 * @module
 */
export { readSafetensorsHeader, readSafetensorsIndex, readTensor } from './read';
export type { SafetensorsTensor, SafetensorsIndex } from './read';
export { SAFETENSORS_DTYPES } from './header';
export type { SafetensorsDtype, SafetensorsHeader, SafetensorsTensorInfo } from './header';
export { resolveHead } from './head';
export type { ResolveHeadOptions, ResolvedHead } from './head';

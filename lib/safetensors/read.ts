/**
 * Reading tensors from safetensors checkpoints of any size: the header, then only the bytes of the
 * tensor asked for, with positioned reads of at most 1 GiB (the file is never read whole), into a
 * fresh Float32Array (F32 as it is, F16 and BF16 converted exactly). A checkpoint is a single
 * `.safetensors` file, a sharded one's `model.safetensors.index.json`, or a directory holding
 * either.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsFormatError } from '../runtime/errors';
import { readFully } from '../runtime/file-io';
import { bf16ToF32, f16ToF32 } from './half';
import { missingTensor, parseHeader, parseHeaderLength, SafetensorsDtype, SafetensorsHeader, SafetensorsTensorInfo, MAX_HEADER_BYTES } from './header';

/** Bytes converted per read for F16/BF16 (the raw half-precision bytes are never held whole). */
const HALF_CHUNK = 64 << 20;
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A tensor read as float32. */
export interface SafetensorsTensor {
  /** The tensor's name in the checkpoint. */
  name: string;
  /** Its dtype in the file (the data is float32 whatever it is). */
  dtype: SafetensorsDtype;
  /** Dimensions (row-major). */
  shape: number[];
  /** Elements as float32, row-major. */
  data: Float32Array;
  /** The `.safetensors` file it came from. */
  file: string;
}

/** Fills `into` from `position` (the shared loop of runtime/file-io), or says what was cut short. */
async function readExactly(fh: fs.promises.FileHandle, into: Uint8Array, position: number, what: string): Promise<void> {
  const done = await readFully(fh, into, position);
  if (done < into.length) throw new SafetensorsFormatError(`truncated: ${what} ends after ${done} of ${into.length} bytes`);
}

async function headerOf(fh: fs.promises.FileHandle, file: string): Promise<SafetensorsHeader> {
  const { size } = await fh.stat();
  const first = new Uint8Array(8);
  if (size >= 8) await readExactly(fh, first, 0, `${file}'s header length`);
  const n = parseHeaderLength(first, size);
  const json = new Uint8Array(Math.min(n, MAX_HEADER_BYTES));
  await readExactly(fh, json, 8, `${file}'s header`);
  return parseHeader(json, size);
}

/**
 * The header of one `.safetensors` file: each tensor's dtype, shape and byte range, and the
 * metadata. Reads 8 + N bytes.
 * @throws SafetensorsFormatError for a truncated file or a malformed or forged header
 * @example
 * const h = await readSafetensorsHeader('model.safetensors');
 * h.tensors.get('lm_head.weight')?.shape; // [151936, 896]
 */
export async function readSafetensorsHeader(file: string): Promise<SafetensorsHeader> {
  const fh = await fs.promises.open(file, 'r');
  try {
    return await headerOf(fh, file);
  } finally {
    await fh.close();
  }
}

async function tensorData(fh: fs.promises.FileHandle, header: SafetensorsHeader, info: SafetensorsTensorInfo, name: string): Promise<Float32Array> {
  const { dtype } = info;
  if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16') {
    throw new SafetensorsFormatError(`tensor '${name}' is ${dtype}; only F32, F16 and BF16 are read as float32`);
  }
  const [begin, end] = info.dataOffsets;
  const position = header.dataStart + begin;
  const count = (end - begin) / (dtype === 'F32' ? 4 : 2);
  const out = new Float32Array(count);
  if (dtype === 'F32') {
    const bytes = new Uint8Array(out.buffer);
    await readExactly(fh, bytes, position, `tensor '${name}'`);
    if (!HOST_LITTLE_ENDIAN) for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
    return out;
  }
  const bits = new Uint32Array(out.buffer);
  const convert = dtype === 'F16' ? f16ToF32 : bf16ToF32;
  const chunk = new Uint8Array(Math.min(HALF_CHUNK, end - begin));
  for (let done = 0; done < end - begin; ) {
    const part = chunk.subarray(0, Math.min(chunk.length, end - begin - done));
    await readExactly(fh, part, position + done, `tensor '${name}'`);
    convert(part, bits, done / 2);
    done += part.length;
  }
  return out;
}

/** A checkpoint's shards: tensor name → absolute `.safetensors` path. */
export interface SafetensorsIndex {
  /** The index file (or the single file, for an unsharded checkpoint). */
  source: string;
  /** Every tensor name and the file holding it. */
  weightMap: Map<string, string>;
}

function checkShardName(shard: unknown, tensor: string): string {
  if (typeof shard !== 'string' || shard === '' || shard.includes('/') || shard.includes('\\') || shard === '.' || shard === '..') {
    throw new SafetensorsFormatError(`index: tensor '${tensor}' maps to ${JSON.stringify(shard)}, not a file name next to the index`);
  }
  return shard;
}

/** Parses a `model.safetensors.index.json` (`{ "weight_map": { name: shard file } }`). */
async function readIndex(indexFile: string): Promise<SafetensorsIndex> {
  const { size } = await fs.promises.stat(indexFile);
  if (size > MAX_HEADER_BYTES) throw new SafetensorsFormatError(`index ${indexFile} is ${size} bytes, over the ${MAX_HEADER_BYTES}-byte limit`);
  let value: unknown;
  try {
    value = JSON.parse(await fs.promises.readFile(indexFile, 'utf8'));
  } catch (e) {
    throw new SafetensorsFormatError(`index ${indexFile} is not JSON (${(e as Error).message})`);
  }
  const map = (value as { weight_map?: unknown } | null)?.weight_map;
  if (map === null || typeof map !== 'object' || Array.isArray(map)) throw new SafetensorsFormatError(`index ${indexFile} has no weight_map object`);
  const dir = path.dirname(indexFile);
  const weightMap = new Map<string, string>();
  for (const [name, shard] of Object.entries(map as Record<string, unknown>)) weightMap.set(name, path.join(dir, checkShardName(shard, name)));
  return { source: indexFile, weightMap };
}

/** The file a checkpoint path names: a directory's model.safetensors(.index.json), or the path itself. */
function checkpointFile(checkpoint: string): string {
  if (!fs.statSync(checkpoint).isDirectory()) return checkpoint;
  for (const name of ['model.safetensors.index.json', 'model.safetensors']) {
    if (fs.existsSync(path.join(checkpoint, name))) return path.join(checkpoint, name);
  }
  throw new SafetensorsFormatError(`${checkpoint} holds neither model.safetensors nor model.safetensors.index.json`);
}

/**
 * Every tensor of a checkpoint and the file that holds it: from the index of a sharded checkpoint
 * (a `*.index.json` path, or a directory with `model.safetensors.index.json`), else the single
 * file's header.
 */
export async function readSafetensorsIndex(checkpoint: string): Promise<SafetensorsIndex> {
  const file = checkpointFile(checkpoint);
  if (file.endsWith('.json')) return readIndex(file);
  const header = await readSafetensorsHeader(file);
  return { source: file, weightMap: new Map([...header.tensors.keys()].map((n) => [n, file])) };
}

/**
 * One tensor of a checkpoint as float32, reading only its bytes (F16 / BF16 converted exactly;
 * NaN and ±Inf are returned as they are). `checkpoint` is a `.safetensors` file, a sharded
 * checkpoint's index, or a directory holding either.
 * @throws SafetensorsFormatError for a malformed file or index, or a name the checkpoint lacks
 * @example
 * const w = await readTensor('ckpt/', 'lm_head.weight'); // { shape: [C, d], data: Float32Array }
 */
export async function readTensor(checkpoint: string, name: string): Promise<SafetensorsTensor> {
  let file = checkpointFile(checkpoint);
  if (file.endsWith('.json')) {
    const index = await readIndex(file);
    const shard = index.weightMap.get(name);
    if (shard === undefined) throw missingTensor(name, index.weightMap.keys(), file);
    file = shard;
  }
  const fh = await fs.promises.open(file, 'r');
  try {
    const header = await headerOf(fh, file);
    const info = header.tensors.get(name);
    if (info === undefined) throw missingTensor(name, header.tensors.keys(), file);
    return { name, dtype: info.dtype, shape: info.shape, data: await tensorData(fh, header, info, name), file };
  } finally {
    await fh.close();
  }
}

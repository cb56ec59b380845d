/**
 * Writing safetensors files in tests: real files with chosen tensors, and raw headers (forged ones
 * included) for the reader's hostile-input tests.
 */
import * as fs from 'node:fs';

/** One tensor to write: its dtype name, shape and raw little-endian bytes. */
export interface RawTensor {
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/** The bytes of a safetensors file holding `tensors` (contiguous, in order), with optional metadata. */
export function encodeSafetensors(tensors: Record<string, RawTensor>, metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  return rawFile(JSON.stringify(header), Buffer.concat(Object.values(tensors).map((t) => Buffer.from(t.bytes))));
}

/** A file made of a u64 length, the header text as it is (maybe forged) and the data bytes. */
export function rawFile(headerText: string, data: Uint8Array = new Uint8Array(0), length?: bigint): Buffer {
  const json = Buffer.from(headerText, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(length ?? BigInt(json.length));
  return Buffer.concat([prefix, json, Buffer.from(data)]);
}

/** F32 tensor bytes. */
export function f32(shape: number[], values: ArrayLike<number>): RawTensor {
  return { dtype: 'F32', shape, bytes: new Uint8Array(Float32Array.from(values).buffer) };
}

/** A 16-bit tensor (F16 or BF16) from raw bit patterns. */
export function bits16(dtype: 'F16' | 'BF16', shape: number[], patterns: ArrayLike<number>): RawTensor {
  return { dtype, shape, bytes: new Uint8Array(Uint16Array.from(patterns).buffer) };
}

/** Writes a buffer to a file. */
export function write(file: string, bytes: Uint8Array): string {
  fs.writeFileSync(file, bytes);
  return file;
}

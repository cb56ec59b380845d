/**
 * 16-bit floats widened to float32: IEEE half precision (`float16`, numpy's `<f2`) and bfloat16
 * (the top 16 bits of a float32). Both widen exactly: every 16-bit value, subnormals, ±0, ±∞ and
 * NaN payloads included, is a float32 value. Internal (the .npy readers, asMatrix).
 *
 * @module
 */

import { allocate } from './typed';

let halfTable: Uint32Array | undefined;

/** The float32 bits of each of the 65536 float16 values (built once, 256 KiB). */
function halfToFloatBits(): Uint32Array {
  if (halfTable) return halfTable;
  const table = new Uint32Array(65536);
  const f = new Float32Array(1);
  const bits = new Uint32Array(f.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0x1f) {
      table[h] = (sign | 0x7f800000 | (mantissa << 13)) >>> 0; // ±∞, NaN (payload kept, as numpy does)
    } else if (exponent === 0) {
      f[0] = mantissa * 2 ** -24; // 0 and subnormals: exact in float32
      table[h] = (sign | bits[0]) >>> 0;
    } else {
      table[h] = (sign | ((exponent - 15 + 127) << 23) | (mantissa << 13)) >>> 0;
    }
  }
  halfTable = table;
  return table;
}

/**
 * A fresh Float32Array holding the values of 16-bit floats (`float16` or `bfloat16` bit patterns,
 * in host byte order).
 */
export function widen16(dtype: 'float16' | 'bfloat16', src: Uint16Array): Float32Array {
  return widen16Into(dtype, src, allocate(Float32Array, src.length, `a float32 copy of ${src.length} ${dtype} values`));
}

/** Writes the values of 16-bit floats into `out` (at least `src.length` long); returns `out`. */
export function widen16Into(dtype: 'float16' | 'bfloat16', src: Uint16Array, out: Float32Array): Float32Array {
  const bits = new Uint32Array(out.buffer, out.byteOffset, src.length);
  if (dtype === 'bfloat16') {
    for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
  } else {
    const table = halfToFloatBits();
    for (let i = 0; i < src.length; i++) bits[i] = table[src[i]];
  }
  return out;
}

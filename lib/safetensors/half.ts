/**
 * Exact conversions of IEEE half precision (F16) and bfloat16 (BF16) to float32. Both are exact:
 * every F16 and BF16 value (subnormals, ±0, ±Inf, NaN with its payload) is a float32.
 * @module
 */

let f16Table: Uint32Array | undefined;

/** float32 bit patterns of all 65536 F16 values (built once). */
function table(): Uint32Array {
  if (f16Table) return f16Table;
  const bits = new Uint32Array(65536);
  const f = new Float32Array(1);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0x1f) bits[h] = sign | 0x7f800000 | (mant << 13);
    else if (exp !== 0) bits[h] = sign | ((exp + 112) << 23) | (mant << 13);
    else {
      f[0] = mant * 2 ** -24; // a subnormal (or zero): exact in float32
      bits[h] = sign | new Uint32Array(f.buffer)[0];
    }
  }
  f16Table = bits;
  return bits;
}

/** Converts `count` little-endian F16 values from `src` into `out` (float32 bits) from `at`. */
export function f16ToF32(src: Uint8Array, out: Uint32Array, at: number): void {
  const t = table();
  for (let i = 0, n = src.length >> 1; i < n; i++) out[at + i] = t[src[2 * i] | (src[2 * i + 1] << 8)];
}

/** Converts little-endian BF16 values from `src` into `out` (float32 bits) from `at`: the top 16 bits. */
export function bf16ToF32(src: Uint8Array, out: Uint32Array, at: number): void {
  for (let i = 0, n = src.length >> 1; i < n; i++) out[at + i] = ((src[2 * i] | (src[2 * i + 1] << 8)) << 16) >>> 0;
}

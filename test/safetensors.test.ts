/**
 * The safetensors reader: real files written here (single, sharded with an index, tied heads),
 * exact F16/BF16 conversion (every one of the 65536 F16 patterns, cross-checked with numpy when
 * python3 has it), and every hostile file a typed SafetensorsFormatError, never a crash.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSafetensorsHeader, readSafetensorsIndex, readTensor, resolveHead, SafetensorsFormatError } from '../lib';
import { bits16, encodeSafetensors, f32, rawFile, write } from './support/safetensors';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-st-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function f32Bits(values: Float32Array): number[] {
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));
}

async function formatError(p: Promise<unknown>): Promise<SafetensorsFormatError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(SafetensorsFormatError);
  expect((e as SafetensorsFormatError).code).toBe('ERR_COVLASSO_SAFETENSORS_FORMAT');
  return e as SafetensorsFormatError;
}

describe('readTensor on real files', () => {
  const file = write(path.join(dir, 'one.safetensors'), encodeSafetensors({
    'a.weight': f32([2, 3], [1, -2, 3.5, 0, 1e-40, -Infinity]),
    'b.bias': f32([3], [NaN, 7, 8]),
    empty: f32([0, 4], []),
  }, { format: 'pt' }));

  it('reads the header and each F32 tensor as it is (NaN/Inf/subnormals included)', async () => {
    const h = await readSafetensorsHeader(file);
    expect([...h.tensors.keys()]).toEqual(['a.weight', 'b.bias', 'empty']);
    expect(h.metadata).toEqual({ format: 'pt' });
    expect(h.tensors.get('b.bias')).toEqual({ dtype: 'F32', shape: [3], dataOffsets: [24, 36] });
    const a = await readTensor(file, 'a.weight');
    expect(a.shape).toEqual([2, 3]);
    expect(f32Bits(a.data)).toEqual(f32Bits(Float32Array.from([1, -2, 3.5, 0, 1e-40, -Infinity])));
    expect(Number.isNaN((await readTensor(file, 'b.bias')).data[0])).toBe(true);
    expect((await readTensor(file, 'empty')).data.length).toBe(0);
  });

  it('names a few available tensors for a wrong name', async () => {
    const e = await formatError(readTensor(file, 'lm_head.weight'));
    expect(e.message).toMatch(/no tensor 'lm_head.weight'.*'a.weight', 'b.bias', 'empty'/);
  });

  it('refuses dtypes it cannot return as float32 exactly, but lists them in the header', async () => {
    const f = write(path.join(dir, 'ints.safetensors'), encodeSafetensors({ ids: { dtype: 'I64', shape: [2], bytes: new Uint8Array(16) } }));
    expect((await readSafetensorsHeader(f)).tensors.get('ids')?.dtype).toBe('I64');
    expect((await formatError(readTensor(f, 'ids'))).message).toMatch(/I64/);
  });
});

describe('reads only the bytes of the tensor asked for', () => {
  it('a tensor behind a 4 GiB one (a sparse file) comes back at once, from an offset past 2^32', async () => {
    const big = 2 ** 30 + 16; // F32 elements: 4 GiB + 64 bytes, never read
    const header = JSON.stringify({ big: { dtype: 'F32', shape: [big], data_offsets: [0, 4 * big] }, small: { dtype: 'F32', shape: [3], data_offsets: [4 * big, 4 * big + 12] } });
    const file = path.join(dir, 'sparse.safetensors');
    const head = rawFile(header);
    const fd = fs.openSync(file, 'w');
    try {
      fs.writeSync(fd, head, 0, head.length, 0);
      const small = Buffer.from(Float32Array.from([1.5, -2, 3]).buffer);
      fs.writeSync(fd, small, 0, small.length, head.length + 4 * big);
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.statSync(file).size).toBe(head.length + 4 * big + 12);
    const t = await readTensor(file, 'small');
    expect(Array.from(t.data)).toEqual([1.5, -2, 3]);
    expect((await readSafetensorsHeader(file)).tensors.get('big')?.dataOffsets[1]).toBe(4 * big);
  });
});

describe('F16 and BF16 convert exactly', () => {
  const all = Array.from({ length: 65536 }, (_, i) => i);

  it('F16: zeros, subnormals, normals, infinities and NaN (payload kept)', async () => {
    const f = write(path.join(dir, 'f16.safetensors'), encodeSafetensors({ h: bits16('F16', [65536], all) }));
    const { data } = await readTensor(f, 'h');
    expect(data[0x0000]).toBe(0);
    expect(Object.is(data[0x8000], -0)).toBe(true);
    expect(data[0x0001]).toBe(2 ** -24); // smallest subnormal
    expect(data[0x03ff]).toBe(1023 * 2 ** -24); // largest subnormal
    expect(data[0x0400]).toBe(2 ** -14); // smallest normal
    expect(data[0x3c00]).toBe(1);
    expect(data[0x3c01]).toBe(1 + 2 ** -10);
    expect(data[0xc000]).toBe(-2);
    expect(data[0x7bff]).toBe(65504);
    expect(data[0x7c00]).toBe(Infinity);
    expect(data[0xfc00]).toBe(-Infinity);
    expect(Number.isNaN(data[0x7e00]) && Number.isNaN(data[0x7c01])).toBe(true);
    expect(f32Bits(data)[0x7c01]).toBe(0x7f802000);
    // Every finite pattern from its definition: (-1)^s · 2^(e-15) · (1 + m/1024), or m·2^-24.
    for (let h = 0; h < 65536; h++) {
      const e = (h >> 10) & 31, m = h & 1023, s = h & 0x8000 ? -1 : 1;
      if (e === 31) continue;
      const want = s * (e === 0 ? m * 2 ** -24 : 2 ** (e - 15) * (1 + m / 1024));
      if (!Object.is(data[h], want)) throw new Error(`F16 0x${h.toString(16)}: ${data[h]} != ${want}`);
    }
  });

  const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
  (numpy ? it : it.skip)('F16 agrees with numpy bit for bit on all 65536 patterns', async () => {
    const f = path.join(dir, 'f16.safetensors');
    const py = 'import numpy as np,sys; sys.stdout.write(np.arange(65536,dtype=np.uint16).view(np.float16).astype(np.float32).view(np.uint32).tobytes().hex())';
    const r = spawnSync('python3', ['-c', py], { encoding: 'utf8', maxBuffer: 1 << 22 });
    const want = new Uint32Array(Buffer.from(r.stdout, 'hex').buffer.slice(0));
    const { data } = await readTensor(f, 'h');
    expect(Buffer.from(data.buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });

  it('BF16: the top half of the float32 pattern, every one', async () => {
    const f = write(path.join(dir, 'bf16.safetensors'), encodeSafetensors({ b: bits16('BF16', [256, 256], all) }));
    const t = await readTensor(f, 'b');
    expect(t.dtype).toBe('BF16');
    expect(f32Bits(t.data)).toEqual(all.map((h) => (h << 16) >>> 0));
    expect(t.data[0x3f80]).toBe(1);
    expect(t.data[0x0001]).toBe(2 ** -133); // smallest bf16 subnormal
    expect(t.data[0xff80]).toBe(-Infinity);
  });
});

describe('sharded checkpoints and tied heads', () => {
  const ckpt = path.join(dir, 'sharded');
  fs.mkdirSync(ckpt);
  const W = Float32Array.from({ length: 12 }, (_, i) => i - 5.5);
  const E = Float32Array.from({ length: 12 }, (_, i) => i * 0.25);
  write(path.join(ckpt, 'model-00001-of-00002.safetensors'), encodeSafetensors({ 'model.embed_tokens.weight': f32([4, 3], E) }));
  write(path.join(ckpt, 'model-00002-of-00002.safetensors'), encodeSafetensors({ 'lm_head.weight': f32([4, 3], W), 'model.norm.weight': f32([3], [1, 1, 1]) }));
  const index = { metadata: { total_size: 108 }, weight_map: { 'model.embed_tokens.weight': 'model-00001-of-00002.safetensors', 'lm_head.weight': 'model-00002-of-00002.safetensors', 'model.norm.weight': 'model-00002-of-00002.safetensors' } };
  fs.writeFileSync(path.join(ckpt, 'model.safetensors.index.json'), JSON.stringify(index));

  it('reads each tensor from its shard through the index (the directory or the index path)', async () => {
    const w = await readTensor(ckpt, 'lm_head.weight');
    expect(Array.from(w.data)).toEqual(Array.from(W));
    expect(path.basename(w.file)).toBe('model-00002-of-00002.safetensors');
    const e = await readTensor(path.join(ckpt, 'model.safetensors.index.json'), 'model.embed_tokens.weight');
    expect(Array.from(e.data)).toEqual(Array.from(E));
    expect((await readSafetensorsIndex(ckpt)).weightMap.size).toBe(3);
    expect((await formatError(readTensor(ckpt, 'nope'))).message).toMatch(/lm_head\.weight/);
  });

  it('resolves the head: itself, the embedding when the config ties them, or when it is absent', async () => {
    expect(await resolveHead(ckpt)).toMatchObject({ name: 'lm_head.weight', tied: false, softcapping: null });
    const tied = await resolveHead(ckpt, { config: { tie_word_embeddings: true } });
    expect(tied).toMatchObject({ name: 'model.embed_tokens.weight', tied: true });
    expect(tied.reason).toMatch(/tie_word_embeddings/);
    const only = path.join(dir, 'tied');
    fs.mkdirSync(only);
    write(path.join(only, 'model.safetensors'), encodeSafetensors({ 'model.embed_tokens.weight': f32([4, 3], E) }));
    fs.writeFileSync(path.join(only, 'config.json'), JSON.stringify({ final_logit_softcapping: 30 }));
    const absent = await resolveHead(only);
    expect(absent).toMatchObject({ name: 'model.embed_tokens.weight', tied: true, softcapping: 30 });
    expect(absent.reason).toMatch(/absent/);
    await formatError(resolveHead(only, { embedding: 'x' }));
  });

  it('refuses an index whose shard names leave its directory, or that is not an index', async () => {
    const bad = path.join(dir, 'bad-index');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { w: '../one.safetensors' } }));
    expect((await formatError(readTensor(bad, 'w'))).message).toMatch(/not a file name/);
    fs.writeFileSync(path.join(bad, 'model.safetensors.index.json'), '[1, 2]');
    await formatError(readTensor(bad, 'w'));
    fs.writeFileSync(path.join(bad, 'model.safetensors.index.json'), '{ "weight_map": ');
    await formatError(readTensor(bad, 'w'));
  });
});

describe('hostile files: a typed error, never a crash or a huge allocation', () => {
  const good = encodeSafetensors({ w: f32([2, 2], [1, 2, 3, 4]), v: f32([2], [5, 6]) });
  const header = (o: unknown): string => JSON.stringify(o);
  const w = (offsets: unknown, shape: unknown = [2, 2], dtype: unknown = 'F32') => ({ dtype, shape, data_offsets: offsets });
  const data = new Uint8Array(24);
  const cases: [string, Buffer, RegExp][] = [
    ['empty file', Buffer.alloc(0), /truncated/],
    ['5 bytes', Buffer.alloc(5), /truncated/],
    ['truncated data', good.subarray(0, good.length - 3), /run past the data/],
    ['truncated header', good.subarray(0, 20), /past the end of the file/],
    ['header length 2^64-1', rawFile('{}', data, 0xffffffffffffffffn), /past the end of the file/],
    ['header length beyond the file', rawFile('{}', data, 1000n), /past the end/],
    ['header length 0', rawFile('', data), /cannot hold/],
    ['not JSON', rawFile('{"w": [1, 2', data), /not JSON/],
    ['not an object', rawFile('[1, 2, 3]', data), /not an object/],
    ['invalid UTF-8', Buffer.concat([rawFile('{"\u00e9":1}').subarray(0, 10), Buffer.from([0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])]), /UTF-8|not JSON/],
    ['deeply nested', rawFile('{"a":' + '['.repeat(100000) + ']'.repeat(100000) + '}', data), /nested deeper/],
    ['entry not an object', rawFile(header({ w: 5 }), data), /not an object/],
    ['unknown dtype', rawFile(header({ w: w([0, 16], [2, 2], 'F128') }), data), /unknown dtype "F128"/],
    ['negative offset', rawFile(header({ w: w([-4, 12], [2, 2]) }), data), /non-negative integer/],
    ['non-integer offset', rawFile(header({ w: w([0.5, 16.5], [2, 2]) }), data), /non-negative integer/],
    ['offset as string', rawFile(header({ w: w(['0', '16']) }), data), /non-negative integer/],
    ['one offset', rawFile(header({ w: w([16]) }), data), /\[begin, end\]/],
    ['reversed offsets', rawFile(header({ w: w([16, 0]) }), data), /reversed/],
    ['offsets out of range', rawFile(header({ w: w([16, 32]) }), data), /run past the data/],
    ['huge offsets', rawFile(header({ w: w([0, 2 ** 52], [2 ** 50, 1]) }), data), /run past the data/],
    ['size not shape × dtype', rawFile(header({ w: w([0, 12]) }), data), /16 bytes, but data_offsets span 12/],
    ['forged huge shape', rawFile(header({ w: w([0, 16], [2 ** 53 - 1, 2 ** 53 - 1, 2 ** 53 - 1]) }), data), /but data_offsets span 16/],
    ['negative shape', rawFile(header({ w: w([0, 16], [-2, -2]) }), data), /non-negative integer/],
    ['overlapping tensors', rawFile(header({ w: w([0, 16]), v: w([8, 16], [2]) }), data), /overlap/],
    ['bad metadata', rawFile(header({ __metadata__: { a: 1 } }), data), /__metadata__/],
  ];
  it.each(cases)('%s', async (name, bytes, message) => {
    const f = write(path.join(dir, `hostile-${name.replace(/\W+/g, '-')}.safetensors`), bytes);
    const e = await formatError(readTensor(f, 'w'));
    expect(e.message).toMatch(message);
  });

  it('a file shortened after its header was read is a truncation error', async () => {
    const f = write(path.join(dir, 'shrinks.safetensors'), good);
    const h = await readSafetensorsHeader(f);
    expect(h.tensors.size).toBe(2);
    fs.truncateSync(f, good.length - 4);
    await formatError(readTensor(f, 'v'));
  });
});

/**
 * Files over 2 GiB on the write side and for `.cov` states (issue #10): Node's fs moves at most
 * 2 GiB − 1 bytes per call, so writeNpy/writeNpySync of a C = 20000 covariance (3.2 GB) threw
 * a RangeError after writing only the header, and `.cov` states were read with fs.readFile,
 * which refuses files over 2 GiB. The loops of lib/runtime/file-io.ts are checked with a tiny
 * step, then the real thing: a 2.1 GB array written by both writers, a sparse 2.2 GB state read.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CovarianceAccumulator, readNpyHeader, writeNpy, writeNpySync } from '../lib';
import { readFully, readFullySync, readWholeFileSync, writeFully, writeFullySync } from '../lib/runtime/file-io';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-large-'));
const file = (name: string) => path.join(dir, name);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const LARGE_TIMEOUT = 240_000;

describe('the whole-buffer loops', () => {
  const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37 + 11) % 256);

  it('write and read back every byte in steps smaller than the buffer (sync and async)', async () => {
    const a = file('steps-sync.bin');
    const fd = fs.openSync(a, 'w+');
    try {
      expect(writeFullySync(fd, [bytes.subarray(0, 10), bytes.subarray(10)], 0, 7)).toBe(1000);
      const back = new Uint8Array(1000);
      expect(readFullySync(fd, back, 0, 7)).toBe(1000);
      expect(Buffer.compare(back, bytes)).toBe(0);
      const tail = new Uint8Array(20);
      expect(readFullySync(fd, tail, 990, 3)).toBe(10); // the file ends first
      expect(Array.from(tail.subarray(0, 10))).toEqual(Array.from(bytes.subarray(990)));
    } finally {
      fs.closeSync(fd);
    }
    const fh = await fs.promises.open(file('steps-async.bin'), 'w+');
    try {
      expect(await writeFully(fh, [bytes], 5, 13)).toBe(1005);
      const back = new Uint8Array(1000);
      expect(await readFully(fh, back, 5, 13)).toBe(1000);
      expect(Buffer.compare(back, bytes)).toBe(0);
    } finally {
      await fh.close();
    }
  });
});

describe('over 2 GiB', () => {
  it(
    'writeNpySync and writeNpy write a 2.1 GB array whole (they wrote only the header before)',
    async () => {
      const n = 2 ** 29 + 1024; // float32 elements, 2.1 GB: more than one fs call can move
      const data = new Float32Array(n); // zero pages: no resident memory until touched
      for (let i = 0; i < 16; i++) data[n - 16 + i] = i + 1;
      const out = file('big.npy');
      for (const write of [async () => writeNpySync(out, { shape: [2, n / 2], data }), () => writeNpy(out, { shape: [2, n / 2], data })]) {
        await write();
        const header = await readNpyHeader(out);
        expect(header.shape).toEqual([2, n / 2]);
        expect(fs.statSync(out).size).toBe(header.dataOffset + 4 * n);
        const tail = new Float32Array(16);
        const fd = fs.openSync(out, 'r');
        try {
          fs.readSync(fd, new Uint8Array(tail.buffer), 0, 64, header.dataOffset + 4 * n - 64);
        } finally {
          fs.closeSync(fd);
        }
        expect(Array.from(tail)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
        fs.rmSync(out);
      }
    },
    LARGE_TIMEOUT,
  );

  it(
    'a .cov state over 2 GiB is read (and judged by its contents: ERR_COVLASSO_STATE_FORMAT), not refused by fs.readFile',
    async () => {
      const state = file('big.cov');
      const fd = fs.openSync(state, 'w');
      try {
        fs.ftruncateSync(fd, 2 ** 31 + 1024); // sparse: zeros, not a state
      } finally {
        fs.closeSync(fd);
      }
      await expect(fs.promises.readFile(state)).rejects.toMatchObject({ code: 'ERR_FS_FILE_TOO_LARGE' });
      expect(readWholeFileSync(state, Error).length).toBe(2 ** 31 + 1024);
      await expect(CovarianceAccumulator.load(state)).rejects.toMatchObject({ code: 'ERR_COVLASSO_STATE_FORMAT' });
      expect(() => CovarianceAccumulator.loadSync(state)).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_STATE_FORMAT' }));
      fs.rmSync(state);
    },
    LARGE_TIMEOUT,
  );
});

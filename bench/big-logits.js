'use strict';
/**
 * A large float32 logits .npy written quickly and deterministically (for bench/stream-big.js and
 * bench/queue-run.js): 8 blocks of 4096 rows of uniform noise in [-2, 2) plus 0.01·column,
 * cycled to `rows` rows. Not realistic logits (those are ../shared/data/cjk1000): a file the size
 * of real ones, to stream.
 */
const fs = require('node:fs');

/** Writes a rows×cols float32 .npy to `file`. */
function writeBigLogits(file, rows, cols) {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const header = Buffer.alloc(Math.ceil((10 + dict.length + 1) / 64) * 64, ' ');
  Buffer.from('\x93NUMPY\x01\x00', 'latin1').copy(header);
  header.writeUInt16LE(header.length - 10, 8);
  header.write(dict, 10, 'latin1');
  header[header.length - 1] = 0x0a;
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, header);
  const rowsPer = 4096;
  const blocks = 8; // a few distinct random blocks, cycled
  const base = [];
  let seed = 7;
  for (let b = 0; b < blocks; b++) {
    const buf = new Float32Array(rowsPer * cols);
    for (let i = 0; i < buf.length; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      buf[i] = (seed / 4294967296 - 0.5) * 4 + (i % cols) * 0.01;
    }
    base.push(buf);
  }
  for (let r0 = 0, b = 0; r0 < rows; r0 += rowsPer, b = (b + 1) % blocks) {
    const n = Math.min(rowsPer, rows - r0);
    fs.writeSync(fd, new Uint8Array(base[b].buffer, 0, n * cols * 4));
  }
  fs.closeSync(fd);
}

module.exports = { writeBigLogits };

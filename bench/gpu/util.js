// Shared by the GPU benchmarks: command-line options, timing, and reading .npy files larger
// than Node's 2 GiB readFileSync limit (the covariance benchmark's 5 GB input) in 256 MiB
// pieces (little-endian f4/f8, C order only).
'use strict';
const fs = require('node:fs');

function readNpyBig(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    fs.readSync(fd, head, 0, 16, 0);
    const version = head[6];
    const headerLength = version === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
    const offset = (version === 1 ? 10 : 12) + headerLength;
    const header = Buffer.alloc(headerLength);
    fs.readSync(fd, header, 0, headerLength, version === 1 ? 10 : 12);
    const text = header.toString('latin1');
    const descr = /'descr':\s*'([^']+)'/.exec(text)[1];
    const shape = /'shape':\s*\(([^)]*)\)/.exec(text)[1].split(',').filter((s) => s.trim()).map(Number);
    if (/True/.test(/'fortran_order':\s*(\w+)/.exec(text)[1])) throw new Error(`${file}: Fortran order`);
    const Ctor = descr === '<f4' ? Float32Array : descr === '<f8' ? Float64Array : null;
    if (!Ctor) throw new Error(`${file}: dtype ${descr}`);
    const count = shape.reduce((a, b) => a * b, 1);
    const data = new Ctor(count);
    const bytes = new Uint8Array(data.buffer);
    const piece = 256 << 20;
    for (let at = 0; at < bytes.length; at += piece) {
      const n = Math.min(piece, bytes.length - at);
      let done = 0;
      while (done < n) done += fs.readSync(fd, bytes, at + done, n - done, offset + at + done);
    }
    return { shape, data };
  } finally {
    fs.closeSync(fd);
  }
}

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

module.exports = { readNpyBig, option, seconds };

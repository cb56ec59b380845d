#!/usr/bin/env node
/**
 * The streaming example: a ~4 GB float32 .npy (1,000,000 × 1000 by default) streamed
 * through `covlasso cov --max-memory 1g` (the CLI, as a user runs it). Reports time, throughput
 * (GB/s of file read, GFLOP/s counting 2 flops per multiply-add of the upper triangle, i.e.
 * N·C·(C+1)) and the CLI's peak RSS. The file is written to $TMPDIR (or --dir) and deleted.
 *
 *   node bench/stream-big.js [--rows 1000000] [--cols 1000] [--max-memory 1g] [--dir /tmp] [--keep]
 */
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { writeBigLogits } = require('./big-logits');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const N = Number(arg('rows', 1_000_000));
const C = Number(arg('cols', 1000));
const maxMemory = arg('max-memory', '1g');
const dir = fs.mkdtempSync(path.join(arg('dir', os.tmpdir()), 'covlasso-stream-big-'));
const file = path.join(dir, 'big.npy');
const out = path.join(dir, 'cov.npy');
const bin = path.resolve(__dirname, '..', 'dist', 'cjs', 'cli', 'main.js');

async function main() {
  const t0 = Date.now();
  writeBigLogits(file, N, C);
  const bytes = fs.statSync(file).size;
  console.log(`wrote ${file}: ${N}x${C} float32, ${(bytes / 1e9).toFixed(2)} GB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // The CLI in a child; /usr/bin/time-like peak RSS from the child's own report via a wrapper.
  const wrapper = `
    const { main } = require(${JSON.stringify(bin)});
    const t = process.hrtime.bigint();
    main(process.argv.slice(1)).then((status) => {
      const s = Number(process.hrtime.bigint() - t) / 1e9;
      process.stderr.write('\\n' + JSON.stringify({ status, seconds: s, maxRSS: process.resourceUsage().maxRSS * 1024 }) + '\\n');
      process.exitCode = status;
    });`;
  const args = ['-e', wrapper, 'cov', file, '--out', out, '--max-memory', maxMemory, '--center', '--progress'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
    process.stderr.write(d);
  });
  await new Promise((resolve) => child.on('exit', resolve));
  const report = JSON.parse(err.trim().split('\n').pop().replace(/^.*\r/, ''));
  const flops = N * C * (C + 1);
  const result = {
    rows: N,
    cols: C,
    fileGB: bytes / 1e9,
    maxMemory,
    threads: os.cpus().length,
    seconds: report.seconds,
    GBps: bytes / 1e9 / report.seconds,
    GFLOPps: flops / 1e9 / report.seconds,
    peakRssMiB: report.maxRSS / 2 ** 20,
    status: report.status,
  };
  console.log(JSON.stringify(result, null, 2));
  if (!process.argv.includes('--keep')) fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(1);
});

#!/usr/bin/env node
// How the native builds (binding.gyp, CMakeLists.txt, scripts/prebuild.js) find CUDA: nvcc on
// PATH (or COVLASSO_NVCC), its CUDA root from `nvcc --dryrun` (which names its _TOP_; wrappers
// like /usr/local/bin/nvcc resolve there), the static runtime libcudart_static.a under it.
// COVLASSO_CUDA=0 (or off/false/no) turns CUDA off. Without nvcc the build is the CPU build.
//
//   node native/cuda/build-config.js enabled   → 1 or 0
//   node native/cuda/build-config.js nvcc      → the nvcc to run
//   node native/cuda/build-config.js libs      → link arguments: the static runtime, -ldl -lrt -lpthread
//   node native/cuda/build-config.js flags     → nvcc flags (architectures: sm_80, sm_89, sm_90 + compute_90 PTX)
//   node native/cuda/build-config.js describe  → one line for people
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ARCHS = ['-gencode=arch=compute_80,code=sm_80', '-gencode=arch=compute_89,code=sm_89',
  '-gencode=arch=compute_90,code=[sm_90,compute_90]'];
const FLAGS = ['-std=c++17', '-O3', '--expt-relaxed-constexpr', '-Xcompiler', '-fPIC', '-Xcompiler', '-fvisibility=hidden', ...ARCHS];

function findOnPath(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

function config() {
  const off = /^(0|off|false|no)$/i.test(process.env.COVLASSO_CUDA || '');
  if (off) return { enabled: false, why: 'COVLASSO_CUDA turns CUDA off' };
  if (process.platform !== 'linux') return { enabled: false, why: `no CUDA build on ${process.platform}` };
  const nvcc = process.env.COVLASSO_NVCC || findOnPath('nvcc');
  if (!nvcc) return { enabled: false, why: 'no nvcc on PATH' };
  const dry = spawnSync(nvcc, ['--dryrun', '-x', 'cu', '-c', '/dev/null', '-o', '/dev/null'], { encoding: 'utf8' });
  const top = /^#\$ (?:_TOP_|TOP)=(.+)$/m.exec(`${dry.stdout}\n${dry.stderr}`);
  const roots = [top && path.resolve(top[1].trim()), process.env.CUDA_HOME, process.env.CUDA_PATH, path.resolve(path.dirname(fs.realpathSync(nvcc)), '..')];
  for (const root of roots.filter(Boolean)) {
    for (const lib of ['lib64', 'lib', path.join('targets', 'x86_64-linux', 'lib'), path.join('targets', 'sbsa-linux', 'lib')]) {
      const cudart = path.join(root, lib, 'libcudart_static.a');
      if (fs.existsSync(cudart)) return { enabled: true, nvcc, root, cudart };
    }
  }
  return { enabled: false, why: `nvcc at ${nvcc} but no libcudart_static.a under its CUDA root` };
}

function main(what) {
  const c = config();
  switch (what) {
    case 'enabled':
      return c.enabled ? '1' : '0';
    case 'nvcc':
      return c.enabled ? c.nvcc : 'nvcc';
    case 'libs':
      return c.enabled ? [c.cudart, '-ldl', '-lrt', '-lpthread'].join(' ') : '';
    case 'flags':
      return FLAGS.join(' ');
    case 'describe':
      return c.enabled ? `CUDA: ${c.nvcc} (${c.root}), static runtime ${c.cudart}` : `CUDA: off (${c.why})`;
    default:
      throw new Error(`usage: build-config.js enabled|nvcc|libs|flags|describe, got ${what}`);
  }
}

module.exports = { config, FLAGS };

if (require.main === module) process.stdout.write(`${main(process.argv[2])}\n`);

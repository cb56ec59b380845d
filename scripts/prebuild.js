#!/usr/bin/env node
// `npm run build:prebuild` (run by `prepack`): builds the N-API prebuilt binary that ships in the
// tarball, prebuilds/<platform>-<arch>/covlasso.node (covlasso.glibc.node on Linux), which
// node-gyp-build loads for users whose npm blocks dependency install scripts (npm 11's default).
//
// - Linux: the file name carries the libc tag (prebuildify's tagLibc), so node-gyp-build on a
//   musl system (Alpine) skips this glibc binary instead of failing to load it; and the glibc
//   floor (native/link/glibc-floor.js, binding.gyp) is strict here: a prebuilt that would need
//   this machine's newer glibc is a build error, not a warning.
//
// - Offline: node-gyp is given the running Node's local headers (--nodedir through
//   npm_config_nodedir) and the running Node version as target, so nothing is downloaded.
//   (prebuildify's default N-API target is the newest Node that node-abi knows, whose headers
//   would have to be fetched.) N-API binaries are forward compatible, so building against this
//   Node's headers with NAPI_VERSION=8 serves every Node >= 18 of this platform and arch.
// - The build runs in a temporary copy of binding.gyp + native/, so the working tree's build/
//   (the clone's own `npm ci` source build, which other processes may be using) is untouched.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { localNodeDir } = require('./local-node-headers');

const root = path.resolve(__dirname, '..');
const prebuildify = require(require.resolve('prebuildify', { paths: [root] }));

process.env.COVLASSO_GLIBC_FLOOR_STRICT = '1';

const nodedir = localNodeDir();
if (nodedir) process.env.npm_config_nodedir = nodedir;
else console.warn('covlasso: no local Node headers found; node-gyp will try to download them');

// npm puts its bundled node-gyp on PATH for scripts and names it in npm_config_node_gyp; outside
// npm, fall back to the node-gyp that ships with the npm next to this node.
function nodeGypCommand() {
  if (process.env.PREBUILD_NODE_GYP) return process.env.PREBUILD_NODE_GYP;
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  return 'node-gyp';
}

const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-prebuild-'));
function cleanup() {
  fs.rmSync(stage, { recursive: true, force: true });
}
try {
  fs.copyFileSync(path.join(root, 'binding.gyp'), path.join(stage, 'binding.gyp'));
  fs.copyFileSync(path.join(root, 'package.json'), path.join(stage, 'package.json'));
  fs.cpSync(path.join(root, 'native'), path.join(stage, 'native'), { recursive: true });
  // binding.gyp resolves node-addon-api with `node -p require(...)` from the build directory.
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
} catch (error) {
  cleanup();
  throw error;
}

// Only this build's binary ships: a binary left from an earlier build (say, an untagged
// covlasso.node) would otherwise travel in the tarball next to it.
fs.rmSync(path.join(root, 'prebuilds', `${process.platform}-${process.arch}`), { recursive: true, force: true });

const gyp = nodeGypCommand();
// A node-gyp.js path is run by this node through a shell (it need not be executable itself).
const viaNode = gyp.endsWith('.js');
prebuildify(
  {
    cwd: stage,
    out: root,
    napi: true,
    strip: true,
    tagLibc: process.platform === 'linux',
    targets: [{ runtime: 'node', target: process.versions.node }],
    nodeGyp: viaNode ? `"${process.execPath}" "${gyp}"` : gyp,
    ...(viaNode ? { shell: process.platform === 'win32' ? true : '/bin/sh' } : {}),
  },
  (error) => {
    cleanup();
    if (error) {
      console.error(`covlasso: prebuildify failed: ${error.message}`);
      process.exit(1);
    }
    const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
    console.log(`covlasso: prebuilt ${fs.readdirSync(dir).map((f) => path.join(dir, f)).join(', ')}`);
  },
);

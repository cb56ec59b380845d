#!/usr/bin/env bash
# Prepares .device/ (git-ignored) for scripts/device-check.sh, on a machine with nvcc but
# perhaps no GPU: builds the addon with CUDA and the TypeScript, then copies into .device/
#   node.xz       this machine's node, stripped and xz-compressed (the GPU machine has no Node)
#   covlasso.node the CUDA build of the addon          dist/  the built TypeScript
#   node_modules/node-gyp-build                        (dist/'s one run-time dependency)
#   data/         cjk1000-S.npy (centered covariance of rows 0..7999, float64 products) and
#                 cjk1000-rows.npy (rows 0..1999), from ../shared/data/cjk1000 when present
# and checks that what travels (the working tree + .device/) stays under 64 MiB.
#   scripts/prepare-device-check.sh [--no-build]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
dev="$root/.device"

if [ "$(node native/cuda/build-config.js enabled)" != 1 ]; then
  echo "prepare-device-check: $(node native/cuda/build-config.js describe): the device check needs a CUDA build" >&2
  exit 1
fi
if [ "${1:-}" != "--no-build" ]; then
  echo "==> building the addon with CUDA and the TypeScript"
  npm run build:native -- -j "$(nproc)" >/dev/null
  npm run build:ts >/dev/null
fi
node -e "const c=require('./dist/cjs').backends().find(b=>b.name==='cuda'); if(!c.compiled){console.error('the build has no CUDA backend');process.exit(1)} console.log('==> cuda backend: compiled; here: '+c.detail)"

mkdir -p "$dev/data"
rm -rf "$dev/dist"
cp -a dist "$dev/dist"
cp build/Release/covlasso.node "$dev/covlasso.node"
rm -rf "$dev/node_modules" && mkdir -p "$dev/node_modules"
cp -a "$(node -p "require('path').dirname(require.resolve('node-gyp-build/package.json'))")" "$dev/node_modules/"  # dist/ loads the addon through it

node_bin=$(command -v node)
stamp="$dev/node.version"
if [ ! -f "$dev/node.xz" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$(node --version)" ]; then
  echo "==> compressing $node_bin ($(node --version))"
  tmp=$(mktemp)
  strip -o "$tmp" "$node_bin" 2>/dev/null || cp "$node_bin" "$tmp"
  xz -T2 -9 -c "$tmp" > "$dev/node.xz"
  rm -f "$tmp"
  node --version > "$stamp"
fi

cjk="$root/../shared/data/cjk1000"
if [ -f "$cjk/logits.npy" ] && [ ! -f "$dev/data/cjk1000-S.npy" ]; then
  echo "==> cjk1000: centered covariance of rows 0..7999 and rows 0..1999"
  CJK="$cjk" OUTDIR="$dev/data" node -e "
const c = require('./dist/cjs');
const a = c.readNpySync(process.env.CJK + '/logits.npy');
const X = new c.Matrix(a.shape[0], a.shape[1], a.data);
const S = c.covarianceSync(X.sliceRows(0, 8000), { center: true, productPrecision: 'float64', backend: 'cpu' });
c.writeNpySync(process.env.OUTDIR + '/cjk1000-S.npy', { shape: [S.rows, S.cols], data: S.data });
const R = X.sliceRows(0, 2000);
c.writeNpySync(process.env.OUTDIR + '/cjk1000-rows.npy', { shape: [R.rows, R.cols], data: Float32Array.from(R.data) });
"
fi

tree_bytes=$(git ls-files -z --cached --others --exclude-standard | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
device_bytes=$(du -sb "$dev" | cut -f1)
total=$(( tree_bytes + device_bytes ))
printf '==> travels: working tree %s MiB + .device %s MiB = %s MiB (limit 64)\n' \
  $(( tree_bytes >> 20 )) $(( device_bytes >> 20 )) $(( total >> 20 ))
if [ "$total" -ge $(( 64 << 20 )) ]; then
  echo "prepare-device-check: too large to travel" >&2
  exit 1
fi
echo "==> ready: on the GPU machine run   bash scripts/device-check.sh   with .device carried"

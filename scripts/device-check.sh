#!/usr/bin/env bash
# The GPU checks of issue #9, on a machine with an NVIDIA GPU, a CUDA 13 driver, python3 with
# PyTorch, and no Node (it comes in .device/node.xz: run scripts/prepare-device-check.sh on the
# build machine first, then carry .device/ along). Each step has its own time limit; every
# number is printed, each step's log also goes to $OUT (or /tmp/covlasso-device-check).
# About 8 minutes in all. Exit status: the number of failed steps (0 = all passed).
#   bash scripts/device-check.sh [step ...]     steps: info tests covariance large paths
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
logs="${OUT:-/tmp/covlasso-device-check}"
mkdir -p "$logs"
failed=()

step() {  # step NAME LIMIT_SECONDS COMMAND...
  local name=$1 limit=$2
  shift 2
  echo
  echo "=== $name (limit ${limit} s): $*"
  local t0=$SECONDS
  local rc=0
  if timeout --kill-after=10 "$limit" "$@" 2>&1 | tee -a "$logs/$name.log"; then rc=0; else rc=${PIPESTATUS[0]}; fi
  if [ "$rc" -eq 0 ]; then
    echo "=== $name: ok ($(( SECONDS - t0 )) s)"
  else
    echo "=== $name: FAILED (status $rc$([ "$rc" -eq 124 ] && echo ', timed out'), $(( SECONDS - t0 )) s)"
    failed+=("$name")
  fi
}

[ -f .device/node.xz ] && [ -f .device/covlasso.node ] && [ -d .device/dist ] && [ -d .device/node_modules ] || {
  echo "device-check: .device/ is missing or incomplete: run scripts/prepare-device-check.sh and carry .device" >&2
  exit 100
}
bin=/tmp/covlasso-node
mkdir -p "$bin"
[ -x "$bin/node" ] || xz -dc .device/node.xz > "$bin/node"
chmod +x "$bin/node"
export PATH="$bin:$PATH"
rm -rf dist && cp -a .device/dist dist
mkdir -p build/Release && cp .device/covlasso.node build/Release/covlasso.node
if [ -L node_modules ] && [ ! -e node_modules ]; then rm node_modules; fi  # a checkout's link that did not travel
if [ ! -e node_modules/node-gyp-build ]; then mkdir -p node_modules && cp -a .device/node_modules/node-gyp-build node_modules/; fi
export COVLASSO_GPU_DATA="$PWD/.device/data"

echo "node $(node --version); $(nproc) cores; $(free -g | awk '/Mem:/ {print $2" GiB"}')"
timeout 20 nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv || echo "(nvidia-smi failed)"
echo "(per step: a log in $logs)"

want=("$@")
if [ ${#want[@]} -eq 0 ]; then want=(info tests covariance large paths); fi
for s in "${want[@]}"; do
  case $s in
    info) step info 60 node dist/cjs/cli/main.js info ;;
    tests) step tests 240 node --test --test-reporter=spec test/gpu/covariance.test.js test/gpu/lasso.test.js test/gpu/control.test.js ;;
    covariance)
      x=/tmp/covlasso-x.npy
      step covariance-data 90 python3 bench/gpu/torch_cov.py --make "$x" --rows 1280000 --cols 1000
      step covariance-covlasso 120 node bench/gpu/covariance.js --file "$x" --repeat 3 --save /tmp/covlasso-S-gpu.npy --cpu-threads "$(nproc)"
      step covariance-torch 90 python3 bench/gpu/torch_cov.py --file "$x" --compare /tmp/covlasso-S-gpu.npy --repeat 3
      rm -f "$x" ;;
    large) step large 240 node bench/large.js --categories 20000 --backends cuda,cpu --threads "$(nproc)" ;;
    paths) step paths 120 node bench/gpu/paths.js --n-lambda 100 ;;
    *) echo "unknown step $s"; failed+=("$s") ;;
  esac
done

echo
if [ ${#failed[@]} -eq 0 ]; then echo "=== device check: every step passed"; else echo "=== device check: failed steps: ${failed[*]}"; fi
exit "${#failed[@]}"

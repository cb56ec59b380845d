#!/usr/bin/env bash
# The sanitizer job (issue #13), run by .ci/run after the main suite: the C++ core and the
# binding built with -fsanitize=address,undefined (every UBSan report fatal), then
#   1. the core's own test programs (test/native/*_test.cpp, and the CUDA backend's emulated
#      tests in test/native/cuda/) run under ASan/UBSan;
#   2. a reduced API suite (bad input, detached and shared buffers, worker termination, the
#      parsers and their fuzzing, solver and covariance basics) run by jest in a copy of the tree
#      whose build/Release/covlasso.node is the sanitized addon, with libasan and libubsan
#      preloaded into Node.
# Two canaries (a planted heap overflow and signed overflow that must be caught) prove the
# sanitizers are live. Prints one `N passed, N failed, N skipped` line (to $1 when given, else
# stdout); each program counts as one test, the jest suite counts its tests. Exit status: 0 iff none failed.
#
# Usage: scripts/sanitizer-job.sh [summary-file]      (needs a built dist/ and node_modules/)
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
summary="${1:-}"
work="$(mktemp -d "${TMPDIR:-/tmp}/covlasso-sanitize-XXXXXX")"
trap 'rm -rf "$work"' EXIT
jobs="$(nproc 2>/dev/null || echo 2)"
cxx="${CXX:-g++}"
san=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O2)
common=(-std=c++17 -fPIC -fexceptions -pthread "-I$root/native/core")
passed=0
failed=0
skipped=0

log() { echo "==> sanitizer job: $*" >&2; }
finish() {
  local line="$passed passed, $failed failed, $skipped skipped"
  if [ -n "$summary" ]; then echo "$line" >"$summary"; else echo "$line"; fi
  [ "$failed" -eq 0 ]
  exit $?
}

# --- Canaries: the sanitizers must catch a planted heap overflow and a signed overflow ---------
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
canary() {  # name, expected report, program, extra flags (e.g. leaving only ASan to catch it)
  local name="$1" expect="$2"
  printf '%s\n' "$3" >"$work/$name.cpp"
  if "$cxx" "${common[@]}" "${san[@]}" ${4:-} "$work/$name.cpp" -o "$work/$name" 2>"$work/$name.log" &&
    ! "$work/$name" 3 >>"$work/$name.log" 2>&1 && grep -q "$expect" "$work/$name.log"; then
    log "ok   $name (caught: $expect)"; passed=$((passed + 1))
  else
    log "FAIL $name: the sanitizers did not catch it"; cat "$work/$name.log" >&2; failed=$((failed + 1))
  fi
}
canary canary_asan heap-buffer-overflow \
  '#include <cstdlib>
int main(int argc, char**) { volatile int* p = static_cast<int*>(std::malloc(3 * sizeof(int))); p[argc + 1] = 1; int v = p[argc + 1]; std::free(const_cast<int*>(p)); return v; }' \
  -fno-sanitize=undefined
canary canary_ubsan "signed integer overflow" \
  '#include <climits>
int main(int argc, char**) { int v = INT_MAX - 1; v += argc; return v == 0; }'

# --- Objects of the core (shared by the test programs and the addon) ---------------------------
log "compiling native/core with ${san[*]} ($jobs jobs)"
mkdir -p "$work/core"
core_sources=("$root"/native/core/*.cpp "$root"/native/core/cpu/*.cpp)
if ! printf '%s\n' "${core_sources[@]}" | xargs -P "$jobs" -I{} sh -c \
  'f="$1"; shift; out="$0/$(echo "$f" | tr / _).o"; exec "$@" -c "$f" -o "$out"' "$work/core" {} "$cxx" "${common[@]}" "${san[@]}"; then
  log "the core does not compile with sanitizers"
  failed=$((failed + 1))
  finish
fi
core_objects=("$work"/core/*.o)

# --- 1. The core's test programs --------------------------------------------------------------
cuda_host=()
for f in "$root"/native/cuda/*.cpp; do [ "$(basename "$f")" = cuda_backend.cpp ] || cuda_host+=("$f"); done
run_program() {  # name, source, extra flags...
  local name="$1" src="$2"
  shift 2
  if ! "$cxx" "${common[@]}" "${san[@]}" "$@" "$src" "${core_objects[@]}" -o "$work/$name" 2>"$work/$name.build.log"; then
    log "FAIL $name (does not build)"; cat "$work/$name.build.log" >&2
    failed=$((failed + 1)); return
  fi
  if "$work/$name" >"$work/$name.log" 2>&1; then
    log "ok   $name"; passed=$((passed + 1))
  else
    log "FAIL $name"; tail -n 60 "$work/$name.log" >&2
    failed=$((failed + 1))
  fi
}
for src in "$root"/test/native/*_test.cpp; do
  run_program "$(basename "$src" .cpp)" "$src"
done
for src in "$root"/test/native/cuda/*_test.cpp; do
  run_program "cuda_$(basename "$src" .cpp)" "$src" "-I$root/native/cuda" "-I$root/test/native/cuda" "${cuda_host[@]}"
done

# --- 2. The sanitized addon and the reduced API suite -----------------------------------------
nodedir="$(node "$root/scripts/local-node-headers.js" 2>/dev/null || true)"
napi="$(cd "$root" && node -p "require('node-addon-api').include_dir" 2>/dev/null | tr -d '"')"
case "$napi" in /*) ;; *) napi="$root/$napi" ;; esac
if [ -z "$nodedir" ] || [ ! -f "$napi/napi.h" ]; then
  log "FAIL addon: no local Node headers or node-addon-api (run npm ci)"
  failed=$((failed + 1))
  finish
fi
log "building the sanitized addon"
tree="$work/tree"
mkdir -p "$tree/build/Release" "$work/binding"
addon_flags=("${common[@]}" "${san[@]}" "-I$nodedir/include/node" "-I$napi" -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED -DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS -DBUILDING_NODE_EXTENSION)
if ! printf '%s\n' "$root"/native/binding/*.cpp | xargs -P "$jobs" -I{} sh -c \
  'f="$1"; shift; exec "$@" -c "$f" -o "$0/$(basename "$f" .cpp).o"' "$work/binding" {} "$cxx" "${addon_flags[@]}" ||
  ! "$cxx" -shared "${san[@]}" -pthread "$work"/binding/*.o "${core_objects[@]}" -o "$tree/build/Release/covlasso.node"; then
  log "FAIL addon (does not build)"
  failed=$((failed + 1))
  finish
fi
# (nm into a file: `nm | grep -q` fails under pipefail when grep stops reading early)
if ! nm -D "$tree/build/Release/covlasso.node" >"$work/addon.symbols" || ! grep -q __asan_report "$work/addon.symbols"; then
  log "FAIL addon: built without AddressSanitizer instrumentation"
  failed=$((failed + 1))
  finish
fi
for item in package.json jest.config.js tsconfig.json lib test dist; do cp -r "$root/$item" "$tree/"; done
ln -s "$root/node_modules" "$tree/node_modules"

preload="$("$cxx" -print-file-name=libasan.so) $("$cxx" -print-file-name=libubsan.so)"
suite=(errors detach-inputs shared-buffers worker-terminate progress-throws npy accumulator-state safetensors fuzz
  indefinite float32-range covariance lasso native-contract)
tests=()
for t in "${suite[@]}"; do [ -f "$tree/test/$t.test.ts" ] && tests+=("test/$t.test.ts"); done
log "jest under ASan/UBSan: ${tests[*]}"
(
  cd "$tree" &&
    COVLASSO_SUMMARY_FILE="$work/jest-summary" LD_PRELOAD="$preload" \
      ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:handle_segv=1:allow_user_segv_handler=1" \
      node node_modules/jest/bin/jest.js --runInBand "${tests[@]}" >&2
)
status=$?
if [ -f "$work/jest-summary" ]; then
  read -r jp _ jf _ js _ <"$work/jest-summary" || true
  passed=$((passed + ${jp:-0}))
  failed=$((failed + ${jf:-0}))
  skipped=$((skipped + ${js:-0}))
  [ "$status" -ne 0 ] && [ "${jf:-0}" -eq 0 ] && failed=$((failed + 1))
else
  log "FAIL jest under sanitizers printed no summary (exit status $status)"
  failed=$((failed + 1))
fi
finish

#!/usr/bin/env bash
# scripts/test_sanitizers.sh — the native code under AddressSanitizer + UndefinedBehaviorSanitizer
# (issue 12 item 6). CPU only; every report is fatal (UBSan without recovery, ASan aborts).
# 1. the standalone kernel check (test/native/run_kernels_check.sh) compiled with the sanitizers;
# 2. the addon built with -DTORCHLET_SANITIZE=ON into build-asan/ (CMakeLists.txt);
# 3. a jest subset against that addon (TORCHLET_ADDON): node is not instrumented, so libasan is
#    LD_PRELOADed and leak detection is off (node's own allocations at exit are not ours);
#    allocator_may_return_null with max_allocation_size_mb=4096 makes a huge allocation a null pointer (torchlet's
#    ERR_TORCHLET_OUT_OF_MEMORY path) instead of an ASan abort. The subset (CPU device): the native
#    error codes, elementwise binary ops, indexing, conv2d, the optimizers, reductions, and the
#    fuzzer's CI run (its child processes inherit the sanitized addon; FUZZ_AS_MB=0 turns
#    off its address-space limit, which ASan's shadow memory cannot live with).
# Environment: TORCHLET_SAN_JOBS (parallel compile jobs, default 2), TORCHLET_SAN_JEST (the jest
# paths, default below). Exit status non-zero on any sanitizer report or test failure.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:allocator_may_return_null=1:max_allocation_size_mb=4096:detect_odr_violation=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

echo "== 1/3 kernel check under ASan + UBSan"
TORCHLET_KERNELS_CHECK_FLAGS="$san" bash test/native/run_kernels_check.sh
t1=$(date +%s)

echo "== 2/3 addon with -DTORCHLET_SANITIZE=ON (build-asan/)"
npx cmake-js compile --CDTORCHLET_CUDA=OFF --CDTORCHLET_SANITIZE=ON -O build-asan --parallel "${TORCHLET_SAN_JOBS:-2}"
t2=$(date +%s)

echo "== 3/3 jest subset on the sanitized addon"
libasan="$(${CXX:-g++} -print-file-name=libasan.so)"
[ -f "$libasan" ] || { echo "test_sanitizers: libasan.so not found ($libasan)" >&2; exit 1; }
default_tests="test/errors/native_codes.test.ts test/ops/binary.test.ts test/ops/index.test.ts test/ops/conv2d.test.ts \
test/ops/optimizers.test.ts test/ops/reduce.test.ts test/fuzz.test.ts"
status=0
# shellcheck disable=SC2086
LD_PRELOAD="$libasan" TORCHLET_ADDON="$PWD/build-asan/Release/torchlet.node" FUZZ_AS_MB=0 OMP_WAIT_POLICY=passive \
  TORCHLET_TEST_DEVICES="${TORCHLET_TEST_DEVICES:-cpu}" \
  npx jest ${TORCHLET_SAN_JEST:-$default_tests} || status=$?
t3=$(date +%s)
echo "test:sanitizers: kernel check $((t1 - t0)) s, sanitized build $((t2 - t1)) s, jest subset $((t3 - t2)) s, status $status"
exit $status

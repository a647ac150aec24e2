#!/usr/bin/env bash
# scripts/test_cuda_emu.sh — `npm run test:cuda-emu`: the CUDA backend verified without a GPU.
# 1. builds the addon with the CUDA emulator (TORCHLET_CUDA=EMU, into build-emu/; native/emu/):
#    native/cuda/*.cu compiled as host C++, every kernel access checked;
# 2. runs the device suite against it (TORCHLET_ADDON points the loader at the emulator's build):
#    every op's CUDA-vs-CPU checks, the detectors' broken kernels (test/emu), a short FashionCNN
#    training on 'cuda' against the CPU run, `torchlet serve --device cuda` (test/serve's CUDA tests). Only the cuda blocks by default (their CUDA-vs-CPU
#    checks compute the CPU side themselves; the CPU blocks are `npm test`'s):
#    TORCHLET_TEST_DEVICES=cpu,cuda runs both. Left out under emulation, for CI's time (each
#    exercises kernels other tests run too): the BatchNorm/GroupNorm network trained on 2,048
#    Fashion-MNIST images for 2 epochs (~12 min emulated) and the float32 tanh check over a dense
#    grid of millions of points (~4 min emulated); TORCHLET_EMU_ALL=1 runs them too;
# 3. prints how many of the __global__ kernels in native/cuda ran (scripts/emu_coverage.js) and the
#    time taken.
# Environment: TORCHLET_EMU_JOBS (parallel compile jobs, default 2), TORCHLET_EMU_JEST_ARGS (extra
# jest arguments, e.g. a test path filter), OMP_NUM_THREADS (CPU threads the emulated blocks use).
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
npx cmake-js compile --CDTORCHLET_CUDA=EMU -O build-emu --parallel "${TORCHLET_EMU_JOBS:-2}"
t1=$(date +%s)
export TORCHLET_ADDON="$PWD/build-emu/Release/torchlet.node"
export TORCHLET_TEST_DEVICES="${TORCHLET_TEST_DEVICES:-cuda}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
stats="$(mktemp)"
export TORCHLET_CUDA_EMU_STATS="$stats"
status=0
filter=()
[ -z "${TORCHLET_EMU_ALL:-}" ] && filter=(-t '^(?!.*(trains on Fashion-MNIST|float32 tanh within .* on a dense grid))')
# shellcheck disable=SC2086
npx jest test/emu test/ops test/device.test.ts test/train/fashion_cuda.test.ts test/errors/native_codes.test.ts \
  "${filter[@]}" ${TORCHLET_EMU_JEST_ARGS:-} || status=$?
# `torchlet serve --device cuda` (its CUDA tests only: the rest of these files are `npm test`'s)
npx jest test/serve/server.test.ts test/serve/bodies.test.ts -t 'CUDA device' ${TORCHLET_EMU_JEST_ARGS:-} || status=$?
t2=$(date +%s)
node scripts/emu_coverage.js "$stats" --min 44 || status=$?  # 44: every kernel as of issue 13
rm -f "$stats"
echo "test:cuda-emu: emulator build $((t1 - t0)) s, emulated device suite $((t2 - t1)) s"
exit $status

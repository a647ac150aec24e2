#!/usr/bin/env bash
# bench/gpu.sh — everything issue 4 must show on the lent GPU machine, in one command:
#   run(command="bash bench/gpu.sh", carry=[".device"])   after scripts/device_bundle.sh here.
# 1. Node (from .device/node.xz when the machine has none), node_modules (from .device), the addon
#    built with CUDA for sm_90 (cmake-js), nvidia-smi facts;
# 2. the whole test suite with CUDA (TORCHLET_TEST_DEVICES=cpu,cuda: every CUDA kernel against the
#    CPU one) -> $OUT/tests-cuda.log;
# 3. `torchlet train --device cuda` on the official files (target test accuracy >= 0.92)
#    -> $OUT/train-cuda.log;
# 4. bench/fashion_epoch.js --device cuda --repeat 3: one epoch in torchlet and in PyTorch on the
#    same GPU, data on the GPU for both, TF32 off, medians and the ratio -> $OUT/epoch-cuda.json/.log;
# 5. bench/cuda_streams.js: two streams on one thread, two worker threads (each its own stream) and a
#    2-worker InferenceSession: they run, agree with one stream, and how much they overlap
#    (serial / concurrent time) -> $OUT/streams-cuda.log.
# Each stage logs and goes on if an earlier one failed; the exit status is the first failure's.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-out}; mkdir -p "$OUT"
status=0
step() { echo "== $* =="; }
fail() { [ $status -ne 0 ] || status=$1; }
if ! command -v node >/dev/null && [ -f .device/node.xz ]; then
  xz -dc .device/node.xz > /usr/local/bin/node && chmod +x /usr/local/bin/node
fi
[ -d node_modules ] || { [ -f .device/node_modules.tar.xz ] && tar -xJf .device/node_modules.tar.xz; }
mkdir -p .data/fashion-mnist && cp .device/*.gz .data/fashion-mnist/ 2>/dev/null || true
export TORCHLET_DATA=$PWD/.data/fashion-mnist
step "machine"; { nvidia-smi; node --version; nvcc --version | tail -1; python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name(0))'; } 2>&1 | tee "$OUT/machine.txt"
step "build (CUDA, sm_90)"
(export CMAKE_CUDA_ARCHITECTURES=90; npx cmake-js compile --CDTORCHLET_CUDA=ON --CDCMAKE_CUDA_ARCHITECTURES=90 && npm run build:ts) > "$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log"; fail 1; }
node -e "const t=require('./dist/lib'); console.log('cuda available:', t.cuda.isAvailable(), 'devices:', t.cuda.deviceCount())" 2>&1 | tee -a "$OUT/machine.txt"
step "tests on cpu and cuda"
TORCHLET_TEST_DEVICES=cpu,cuda npx jest --silent 2>&1 | tail -150 > "$OUT/tests-cuda.log"; r=${PIPESTATUS[0]}; tail -8 "$OUT/tests-cuda.log"; [ "$r" -eq 0 ] || fail 2
step "train on cuda"
node dist/lib/cli/main.js train --device cuda --data "$TORCHLET_DATA" --out /tmp/run-cuda --no-progress > "$OUT/train-cuda.log" 2>&1 || fail 3
tail -4 "$OUT/train-cuda.log"
step "epoch benchmark vs PyTorch on the same GPU"
TORCHLET_PYTHON=$(command -v python3) node bench/fashion_epoch.js --device cuda --repeat 3 --only epoch --data "$TORCHLET_DATA" --json "$OUT/epoch-cuda.json" > "$OUT/epoch-cuda.log" 2>&1 || fail 4
tail -3 "$OUT/epoch-cuda.log"
step "two streams / two sessions overlap"
node bench/cuda_streams.js --k 400 --n 128 > "$OUT/streams-cuda.log" 2>&1 || fail 5
cat "$OUT/streams-cuda.log"
exit $status

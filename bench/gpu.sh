#!/usr/bin/env bash
# bench/gpu.sh — what the lent GPU machine must show (../shared/DEVICE.md), in two calls that fit its
# 64 MiB transfer limit: Node, node_modules, the addon and dist in .device/ (about 42 MB), the
# Fashion-MNIST files in .device-data/ (31 MB, with the addon and dist again: a call that does not
# carry .device/ finds it removed there; node_modules and Node itself stay while the machine is warm,
# 30 s after a call):
#   here:  bash scripts/device_bundle.sh --node --addon    (the CUDA addon built here for sm_90)
#   run(command="bash bench/gpu.sh tests zoo serve", carry=[".device"])     then at once
#   run(command="bash bench/gpu.sh train", carry=[".device-data"])
# Times on the H200 (session 26): start about 40 s, tests 170 s, zoo 60 s, serve 65 s, train 40 s
# (with epoch, streams and the short cuda training), epoch alone 16 s. The machine has no npx: jest
# runs as node node_modules/jest/bin/jest.js.
# Stages (one or more, in order, as arguments):
#   tests  machine facts; every test suite that runs on devices (test/ops and the suites that use
#          test/devices.ts or name 'cuda'; GPU_SUITES="a.test.ts b.test.ts" for some), with
#          TORCHLET_TEST_DEVICES=cuda: each CUDA kernel against the CPU one -> $OUT/tests-cuda.log,
#          $OUT/jest-cuda.json
#   zoo    bench/cuda_zoo.js: training step and inference of seven networks, torchlet vs PyTorch on
#          the GPU -> $OUT/zoo-cuda.log/.json
#   train  (needs .device-data) `torchlet train --device cuda` on the official files, the seed's
#          recipe (target test accuracy >= 0.92) -> $OUT/train-cuda.log; then the epoch stage,
#          bench/cuda_streams.js and test/train/fashion_cuda.test.ts -> $OUT/streams-cuda.log
#   convshapes  bench/cuda_conv_shapes.js: each conv layer shape of ResNet-18, VGG-16, AlexNet and
#          GoogLeNet at 224x224, forward and both gradients, against cuDNN (GPU_ADDONS=a.node,b.node:
#          several builds side by side) -> $OUT/conv-shapes-cuda.log/.json
#   ncu    bench/cuda_ncu.sh: Nsight Compute counters of the GEMM kernels of one conv shape
#          (GPU_NCU_CASE, a regular expression over bench/cuda_conv_shapes.js's names) -> $OUT/ncu-*.txt
#   zooab  bench/cuda_zoo_ab.sh: bench/cuda_zoo.js with two builds (GPU_AB="a.node b.node"), alternating
#          -> $OUT/zooab.log, $OUT/zooab-<round>-<build>.json
#   serve  bench/serve.js --device cuda: torchlet serve on the GPU with batching on and off,
#          FashionCNN, ResNet-18 and null-224 (the server's own ceiling: ResNet-18's input and output
#          through a model that costs nothing) at concurrency 1 and 64 (GPU_SERVE_MODELS to choose),
#          beside the onnxruntime-node server on the CPU where .device/ort.tar.xz came (device_bundle.sh
#          packs it from bench/ort) and the machine's PyTorch exports the ONNX files -> $OUT/serve-*.txt/.json;
#          then, with onnxruntime-node, both servers on the CPU's cores at concurrency 64
#          (GPU_SERVE_CPU_MODELS, GPU_SERVE_CPU_S=0 to skip) -> $OUT/serve-cpu/; and on the GPU with
#          uint8 pixel inputs at concurrency 64 (GPU_SERVE_U8_MODELS, GPU_SERVE_U8_S=0 to skip) -> $OUT/serve-uint8/
#   epoch  (needs .device-data) bench/fashion_epoch.js --device cuda --repeat 3: one epoch in torchlet
#          and in PyTorch on the same GPU, TF32 off for both, medians and the ratio -> $OUT/epoch-cuda.*
# Each stage's steps have their own time limit (GPU_TESTS_S, GPU_TRAIN_S), log and go on after a
# failure; the exit status is the first failure's. Without .device/torchlet.node.xz the addon is built
# there (cmake-js, sm_90).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-out}; mkdir -p "$OUT"
stages=("${@:-tests}")
status=0
step() { echo "== $* ($(date +%T)) =="; }
fail() { [ $status -ne 0 ] || status=$1; }
# a call that carries only .device-data finds .device gone there: the addon and dist travel in both
[ -f .device/torchlet.node.xz ] || { mkdir -p .device && cp -r .device-data/lib .device-data/*.xz .device/; }
if ! command -v node >/dev/null && [ -f .device/node.xz ]; then
  xz -dc .device/node.xz > /usr/local/bin/node && chmod +x /usr/local/bin/node
fi
[ -d node_modules ] || tar -xJf .device/node_modules.tar.xz
[ -f dist/lib/index.js ] || { [ -f .device/dist.tar.xz ] && tar -xJf .device/dist.tar.xz; }
if [ -f .device/torchlet.node.xz ] && [ ! -f .device/torchlet.node ]; then
  xz -dc .device/torchlet.node.xz > .device/torchlet.node
fi
ldconfig -p | grep -q 'libgomp.so.1 ' || export LD_LIBRARY_PATH=$PWD/.device/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
if [ -f .device/torchlet.node ]; then
  export TORCHLET_ADDON=$PWD/.device/torchlet.node
elif [ ! -f build/Release/torchlet.node ]; then
  step "build (CUDA, sm_90)"
  npx cmake-js compile --CDTORCHLET_CUDA=ON --CDCMAKE_CUDA_ARCHITECTURES=90 > "$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log"; exit 1; }
fi
[ -f dist/lib/index.js ] || npm run build:ts > /dev/null
export TORCHLET_PYTHON=${TORCHLET_PYTHON:-$(command -v python3)}

for stage in "${stages[@]}"; do
if [ "$stage" = tests ]; then
  step "machine"
  { nvidia-smi; nproc; node --version; nvcc --version | tail -1
    python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name(0))'
    node -e "const t=require('./dist/lib'); console.log('cuda available:', t.cuda.isAvailable(), require('./dist/lib/device').cudaInfo())"
  } 2>&1 | tee "$OUT/machine.txt"
  step "device suites with TORCHLET_TEST_DEVICES=cuda"
  if [ -n "${GPU_SUITES:-}" ]; then read -ra suites <<< "$GPU_SUITES"; else
    mapfile -t suites < <({ ls test/ops/*.test.ts; grep -rlE "devices'|'cuda'|\"cuda\"" test --include=*.test.ts; } |
      grep -v -e '^test/emu/' -e 'fashion_cuda' | sort -u)
  fi
  echo "${#suites[@]} suites"
  TORCHLET_TEST_DEVICES=cuda OMP_NUM_THREADS=1 timeout "${GPU_TESTS_S:-270}" node node_modules/jest/bin/jest.js --maxWorkers=14 --silent \
    --json --outputFile="$OUT/jest-cuda.json" "${suites[@]}" > "$OUT/tests-cuda.log" 2>&1
  r=$?; grep -E '^(FAIL|Tests:|Test Suites:)' "$OUT/tests-cuda.log"; [ $r -eq 0 ] || fail 2
  echo "jest exit $r"
fi

if [ "$stage" = train ]; then
  data=$PWD/.device-data
  mkdir -p /usr/share/datasets/fashion-mnist && cp "$data"/*.gz /usr/share/datasets/fashion-mnist/
  step "train on cuda (the seed's recipe)"
  timeout "${GPU_TRAIN_S:-210}" node dist/lib/cli/main.js train --device cuda --data "$data" --out /tmp/run-cuda \
    --overwrite --no-progress > "$OUT/train-cuda.log" 2>&1 || fail 3
  tail -6 "$OUT/train-cuda.log"
  step "two streams / two sessions overlap; short training on cuda against the CPU run"
  { timeout 40 node bench/cuda_streams.js --k 400 --n 128 || fail 5
    TORCHLET_TEST_DEVICES=cpu,cuda timeout 60 node node_modules/jest/bin/jest.js test/train/fashion_cuda.test.ts 2>&1 || fail 6
  } > "$OUT/streams-cuda.log" 2>&1
  tail -30 "$OUT/streams-cuda.log"
  cp /tmp/run-cuda/metrics.csv "$OUT/train-cuda-metrics.csv" 2>/dev/null
fi
if [ "$stage" = train ] || [ "$stage" = epoch ]; then
  step "epoch benchmark vs PyTorch on the same GPU"
  timeout 100 node bench/fashion_epoch.js --device cuda --repeat 3 --only epoch --data "$PWD/.device-data" \
    --json "$OUT/epoch-cuda.json" > "$OUT/epoch-cuda.log" 2>&1 || fail 4
  tail -4 "$OUT/epoch-cuda.log"
fi
if [ "$stage" = zoo ]; then
  step "seven networks, torchlet vs PyTorch on the GPU"
  timeout "${GPU_ZOO_S:-240}" node bench/cuda_zoo.js --nets "${GPU_ZOO_NETS:-fashioncnn,lenet5,tv_resnet18,resnet18,googlenet,alexnet,vgg16}" \
    --json "$OUT/zoo-cuda.json" 2>&1 | tee "$OUT/zoo-cuda.log" || fail 7
fi
if [ "$stage" = convshapes ]; then
  step "conv layer shapes, torchlet vs cuDNN (GPU_ADDONS: builds side by side)"
  { command -v nsys ncu || true; } | tee "$OUT/tools.txt"
  timeout "${GPU_CONV_S:-240}" node bench/cuda_conv_shapes.js ${GPU_ADDONS:+--addons "$GPU_ADDONS"} \
    --json "$OUT/conv-shapes-cuda.json" 2>&1 | tee "$OUT/conv-shapes-cuda.log" || fail 9
fi
if [ "$stage" = ncu ]; then
  step "Nsight Compute counters of the GEMM kernels of one conv shape (GPU_NCU_CASE)"
  timeout "${GPU_NCU_S:-180}" bash bench/cuda_ncu.sh "${GPU_NCU_CASE:-resnet18 l3 256}" || fail 10
fi
if [ "$stage" = zooab ]; then
  step "small networks with two builds of the addon, alternating (GPU_AB)"
  timeout "${GPU_AB_S:-240}" bash bench/cuda_zoo_ab.sh || fail 11
fi
if [ "$stage" = serve ]; then
  # onnxruntime-node (CPU build, all the machine's cores) where .device/ort.tar.xz came along and
  # the machine's PyTorch exports ONNX (bench/serve_export.py); otherwise torchlet's servers alone
  ort=--no-ort
  [ -d bench/ort/node_modules/onnxruntime-node ] || { [ -f .device/ort.tar.xz ] && tar -xJf .device/ort.tar.xz; }
  if [ -d bench/ort/node_modules/onnxruntime-node ] && node -e "require('./bench/ort/node_modules/onnxruntime-node')" 2>> "$OUT/ort.log" \
    && "$TORCHLET_PYTHON" -c 'import torch.onnx' 2>> "$OUT/ort.log"; then ort=; fi
  step "torchlet serve --device cuda, batching on and off${ort:+ (no onnxruntime-node here: $OUT/ort.log)}${ort:- beside onnxruntime-node on the CPU}"
  timeout "${GPU_SERVE_S:-200}" node bench/serve.js $ort --device cuda --models "${GPU_SERVE_MODELS:-fashion-cnn,resnet18,null-224}" --conc 1,64 \
    --seconds 5 --out "$OUT" 2>&1 | tee "$OUT/serve-cuda.log" || fail 8
  if [ "${GPU_SERVE_U8_S:-90}" -gt 0 ]; then
    # uint8 pixels (X-Dtype: uint8): a quarter of the bytes over HTTP and to the device, normalised there
    step "torchlet serve --device cuda, uint8 pixel inputs"
    mkdir -p "$OUT/serve-uint8"
    timeout "${GPU_SERVE_U8_S:-90}" node bench/serve.js $ort --device cuda --input uint8 --models "${GPU_SERVE_U8_MODELS:-resnet18,null-224}" --conc 64 \
      --seconds 5 --out "$OUT/serve-uint8" 2>&1 | tee "$OUT/serve-uint8.log" || fail 13
  fi
  if [ -z "$ort" ] && [ "${GPU_SERVE_CPU_S:-150}" -gt 0 ]; then
    # the same servers on this machine's CPU cores (not a 2-vCPU VM shared with the load generator)
    step "torchlet serve --device cpu beside onnxruntime-node, $(nproc) cores"
    mkdir -p "$OUT/serve-cpu"
    timeout "${GPU_SERVE_CPU_S:-150}" node bench/serve.js --models "${GPU_SERVE_CPU_MODELS:-fashion-cnn,resnet18}" --conc 64 \
      --seconds 5 --out "$OUT/serve-cpu" 2>&1 | tee "$OUT/serve-cpu.log" || fail 12
  fi
fi
done
echo "gpu.sh ${stages[*]}: exit $status"
exit $status

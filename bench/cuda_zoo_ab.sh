#!/usr/bin/env bash
# bench/cuda_zoo_ab.sh — bench/cuda_zoo.js with two builds of the addon, alternating (A B A B ...), so
# that a difference between builds is told from the run-to-run spread: each run is its own pair of
# processes (PyTorch's side, then torchlet's). Run inside bench/gpu.sh's environment (stage zooab).
#   GPU_AB="a.node b.node" GPU_AB_NETS=fashioncnn,lenet5 GPU_AB_ROUNDS=2 bash bench/gpu.sh zooab
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-out}
read -ra builds <<< "${GPU_AB:?GPU_AB: two addon paths}"
for round in $(seq "${GPU_AB_ROUNDS:-2}"); do
  for b in "${builds[@]}"; do
    echo "-- round $round: $b"
    TORCHLET_ADDON=$b node bench/cuda_zoo.js --nets "${GPU_AB_NETS:-fashioncnn,lenet5,tv_resnet18}" --reps "${GPU_AB_REPS:-15}" \
      --json "$OUT/zooab-$round-$(basename "$b" .node).json"
  done
done 2>&1 | tee "$OUT/zooab.log"

#!/usr/bin/env bash
# scripts/nvcc_check.sh — compiles every native/cuda/*.cu with nvcc for one architecture (default
# sm_90) with the flags CMake uses, objects thrown away: a quick check that the real CUDA build
# still compiles after kernel changes checked under the emulator (TORCHLET_CUDA=EMU), without the
# full five-architecture build. Usage: bash scripts/nvcc_check.sh [arch] [files...]
set -euo pipefail
cd "$(dirname "$0")/.."
arch="${1:-sm_90}"
shift || true
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(native/cuda/*.cu)
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for f in "${files[@]}"; do
  t0=$(date +%s)
  nvcc -O3 -DNDEBUG -std=c++17 -arch="$arch" -Xcompiler=-fPIC -DTORCHLET_WITH_CUDA=1 -DNAPI_VERSION=8 \
    -Inative -c "$f" -o "$out/$(basename "$f").o"
  echo "nvcc $arch: $f ok ($(($(date +%s) - t0)) s)"
done

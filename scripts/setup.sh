#!/usr/bin/env bash
# scripts/setup.sh — sets torchlet up on a fresh Debian machine from a checkout:
# system packages (the official Fashion-MNIST files, cmake, a C++ compiler with OpenMP and GCC's
# sanitizer runtimes, and
# Debian's PyTorch and torchvision for the side-by-side tests and benchmarks), then
# `npm ci`, which builds the native addon (cmake-js, through the package's install script) and
# compiles the TypeScript (prepare). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
command -v cmake >/dev/null || need+=(cmake)
command -v g++ >/dev/null || need+=(g++)
# GCC's AddressSanitizer and UBSan runtimes (libasan, libubsan) for scripts/test_sanitizers.sh, CI's
# last stage: they come with g++ (libgcc-N-dev); checked in case a g++ was installed without them
if command -v g++ >/dev/null; then
  for lib in libasan.so libubsan.so; do
    if [ ! -e "$(g++ -print-file-name=$lib)" ]; then
      need+=("libgcc-$(g++ -dumpversion | cut -d. -f1)-dev")
      break
    fi
  done
fi
# PyTorch (Debian's) for the tests that run the seeds' models side by side, and for bench/
/usr/bin/python3 -c 'import torch, numpy' 2>/dev/null || need+=(python3-torch python3-numpy libopenblas0-pthread)
# torchvision (Debian's, matching python3-torch) for test/interop_torchvision.test.ts and bench/zoo.js
/usr/bin/python3 -c 'import torchvision' 2>/dev/null || need+=(python3-torchvision)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
# npm ci ran the install script (native build) and prepare (tsc); make sure both exist
[ -f build/Release/torchlet.node ] || npm run build:native
[ -f dist/lib/index.js ] || npm run build:ts

#!/usr/bin/env bash
# bench/setup_zoo.sh — installs what bench/zoo.js needs beyond scripts/setup.sh, on a fresh Debian
# machine, from a checkout: Debian's PyTorch, torchvision and the pthread OpenBLAS (PyTorch's side
# and the ONNX export), and onnxruntime-node (CPU) in bench/ort/node_modules (gitignored) with
# --ignore-scripts: its install script fetches GPU binaries and fails offline, and the CPU binary
# ships in the package itself. Then checks that all three load. Safe to run again.
#   bash bench/setup_zoo.sh && node bench/zoo.js
set -euo pipefail
cd "$(dirname "$0")"

need=()
/usr/bin/python3 -c 'import torch, numpy' 2>/dev/null || need+=(python3-torch python3-numpy)
/usr/bin/python3 -c 'import torchvision' 2>/dev/null || need+=(python3-torchvision)
dpkg -s libopenblas0-pthread >/dev/null 2>&1 || need+=(libopenblas0-pthread)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup_zoo: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# onnxruntime-node, pinned by bench/ort/package-lock.json
(cd ort && npm ci --ignore-scripts --no-audit --no-fund)

/usr/bin/python3 -c 'import torch, torchvision; print("setup_zoo: PyTorch", torch.__version__, "torchvision", torchvision.__version__)'
node -e "const o = require('./ort/node_modules/onnxruntime-node'); console.log('setup_zoo: onnxruntime-node', require('./ort/node_modules/onnxruntime-node/package.json').version, Object.keys(o).includes('InferenceSession') ? 'loads' : 'BROKEN')"
[ -f ../dist/lib/index.js ] || echo "setup_zoo: torchlet is not built here yet: bash scripts/setup.sh (or npm run build)"

#!/usr/bin/env bash
# scripts/device_bundle.sh — prepares .device/ (ignored via .git/info/exclude) for the lent GPU
# machine (../shared/DEVICE.md): what bench/gpu.sh needs there and the working tree lacks.
#   .device/node_modules.tar.xz  node_modules without lint/docs tools (jest, ts-jest, typescript,
#                                cmake-js, node-addon-api and the runtime deps stay)
#   .device/dist.tar.xz          the compiled TypeScript (dist/)
#   .device/ort.tar.xz           bench/ort/node_modules (bash bench/setup_zoo.sh) with onnxruntime-node's
#                                linux-x64 binary alone (about 13 MB): bench/gpu.sh serve runs the
#                                onnxruntime-node server (on the CPU) beside torchlet serve
#   .device/node.xz              this machine's node binary, with --node (the GPU machine may
#                                have no Node.js)
#   .device/torchlet.node.xz     with --addon: the CUDA addon built here for sm_90 (into build-cuda/;
#   .device/lib/libgomp.so.1     glibc here is older than there) and this machine's OpenMP runtime
#   .device-data/*.gz            the official Fashion-MNIST files (carried by the second call alone:
#                                with the rest they pass the 64 MiB limit), with copies of the addon,
#                                its OpenMP runtime and dist (that call finds .device removed)
# Prints the sizes: the working tree plus each call's carried paths must stay under 64 MiB.
# Then: run(command="bash bench/gpu.sh tests zoo serve", carry=[".device"]) and at once
#       run(command="bash bench/gpu.sh train", carry=[".device-data"]).
set -euo pipefail
cd "$(dirname "$0")/.."
for d in /.device/ /.device-data/ /build-cuda/; do grep -qx "$d" .git/info/exclude || echo "$d" >> .git/info/exclude; done
mkdir -p .device .device-data
tar -cf - --exclude='node_modules/typedoc' --exclude='node_modules/@shikijs' --exclude='node_modules/eslint' \
  --exclude='node_modules/@eslint' --exclude='node_modules/@typescript-eslint' --exclude='node_modules/typescript-eslint' \
  --exclude='node_modules/handlebars' --exclude='node_modules/clang-format' --exclude='node_modules/.cache' node_modules | xz -T2 -6 > .device/node_modules.tar.xz
cp /usr/share/datasets/fashion-mnist/*.gz .device-data/
tar -cf - dist | xz -T2 -6 > .device/dist.tar.xz
rm -f .device/ort.tar.xz
if [ -d bench/ort/node_modules/onnxruntime-node ]; then
  tar -cf - --exclude='*/bin/napi-v*/darwin' --exclude='*/bin/napi-v*/win32' --exclude='*/bin/napi-v*/linux/arm64' \
    bench/ort/node_modules | xz -T2 -6 > .device/ort.tar.xz
else
  echo "device_bundle.sh: no bench/ort/node_modules (bash bench/setup_zoo.sh): gpu.sh serve will run without onnxruntime-node" >&2
fi
for a in "$@"; do
  case "$a" in
    --node) xz -T2 -c "$(command -v node)" > .device/node.xz ;;
    --addon)
      npx cmake-js compile --CDTORCHLET_CUDA=ON --CDCMAKE_CUDA_ARCHITECTURES=90 -O build-cuda --parallel 2 > /dev/null
      xz -T2 -c build-cuda/Release/torchlet.node > .device/torchlet.node.xz
      mkdir -p .device/lib && cp -L "$(g++ -print-file-name=libgomp.so.1)" .device/lib/ ;;
    *) echo "device_bundle.sh: unknown option $a (use --node, --addon)" >&2; exit 2 ;;
  esac
done
# the data call carries .device-data alone (.device is removed there): the addon and dist go with it too
cp .device/dist.tar.xz .device-data/
[ -f .device/torchlet.node.xz ] && cp -r .device/torchlet.node.xz .device/lib .device-data/
# each call carries the working tree plus its folder: both sums must stay under 64 MiB
tree=$(git ls-files -co --exclude-standard -z | xargs -0 du -cb 2>/dev/null | awk '$2 == "total" {s += $1} END {print s + 0}')
for d in .device .device-data; do
  b=$(du -cb "$d" | tail -1 | cut -f1)
  mib=$(( (tree + b) / 1048576 ))
  echo "carry $d: working tree $((tree / 1048576)) MiB + $d $((b / 1048576)) MiB = $mib MiB of 64$([ "$mib" -lt 64 ] || echo ': OVER the limit')"
done

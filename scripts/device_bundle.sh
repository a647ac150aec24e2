#!/usr/bin/env bash
# scripts/device_bundle.sh — prepares .device/ (ignored via .git/info/exclude) for the lent GPU
# machine (../shared/DEVICE.md): what bench/gpu.sh needs there and the working tree lacks.
#   .device/node_modules.tar.xz  node_modules without lint/docs tools (jest, ts-jest, typescript,
#                                cmake-js, node-addon-api and the runtime deps stay)
#   .device/*.gz                 the official Fashion-MNIST files
#   .device/node.xz              this machine's node binary, only with --node (the GPU machine may
#                                have no Node.js: check `command -v node` there first)
# Prints the total size: the working tree plus carried paths must stay under 64 MiB.
# Then: run(command="bash bench/gpu.sh", carry=[".device"]).
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.device/' .git/info/exclude || echo '/.device/' >> .git/info/exclude
mkdir -p .device
tar -cf - --exclude='node_modules/typedoc' --exclude='node_modules/@shikijs' --exclude='node_modules/eslint' \
  --exclude='node_modules/@eslint' --exclude='node_modules/@typescript-eslint' --exclude='node_modules/typescript-eslint' \
  --exclude='node_modules/handlebars' --exclude='node_modules/.cache' node_modules | xz -T2 -6 > .device/node_modules.tar.xz
cp /usr/share/datasets/fashion-mnist/*.gz .device/
if [ "${1:-}" = "--node" ]; then xz -T2 -c "$(command -v node)" > .device/node.xz; fi
du -ch .device/* | tail -1
echo "working tree (tracked + untracked, not ignored):"
git ls-files -co --exclude-standard -z | xargs -0 du -cb 2>/dev/null | tail -1

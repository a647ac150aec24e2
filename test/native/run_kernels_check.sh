#!/usr/bin/env bash
# test/native/run_kernels_check.sh — builds and runs the standalone CPU kernel check
# (test/native/kernels_check.cc + native/cpu/gemm.cc + native/cpu/conv.cc + native/cpu/pool2d.cc (conv.cc
# fuses its relu/pool), with the op registry of native/core/registry.cc).
# Usage: test/native/run_kernels_check.sh [bench]   (extra args are passed to the binary)
# TORCHLET_KERNELS_CHECK_FLAGS: extra compiler flags, e.g. the sanitizers of scripts/test_sanitizers.sh
# (the binary is then named after a hash of them, so two builds do not overwrite each other).
# Exit status: the binary's (non-zero when a check fails).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
extra="${TORCHLET_KERNELS_CHECK_FLAGS:-}"
out="${TMPDIR:-/tmp}/torchlet_kernels_check${extra:+_$(printf '%s' "$extra" | md5sum | cut -c1-8)}"
# shellcheck disable=SC2086
g++ -O2 -fopenmp -ffp-contract=fast -std=gnu++17 -Wall -Wno-unused-function $extra -I"$root/native" \
  "$root/test/native/kernels_check.cc" "$root/native/cpu/gemm.cc" "$root/native/cpu/conv.cc" "$root/native/cpu/pool2d.cc" "$root/native/core/registry.cc" -o "$out"
exec "$out" "$@"

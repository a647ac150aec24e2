#!/usr/bin/env bash
# test/native/run_kernels_check.sh — builds and runs the standalone CPU kernel check
# (test/native/kernels_check.cc + native/cpu/gemm.cc + native/cpu/conv.cc + native/cpu/pool2d.cc (conv.cc
# fuses its relu/pool), with the op registry of native/core/registry.cc).
# Usage: test/native/run_kernels_check.sh [bench]   (extra args are passed to the binary)
# TORCHLET_KERNELS_CHECK_FLAGS: extra compiler flags, e.g. the sanitizers of scripts/test_sanitizers.sh
# (the binary is then named after a hash of them, so two builds do not overwrite each other).
# TORCHLET_KERNELS_CHECK_OBJDIR: a cmake object directory of the addon (e.g.
# build-asan/CMakeFiles/torchlet.dir): the kernels are linked from its native/cpu/{gemm,conv,pool2d}.cc.o
# and native/core/registry.cc.o instead of being compiled here, so the check runs the very objects of
# that build (scripts/test_sanitizers.sh: the sanitized addon's, not compiled a second time). Only
# kernels_check.cc is compiled, with TORCHLET_KERNELS_CHECK_FLAGS (which must match that build's).
# Exit status: the binary's (non-zero when a check fails).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
extra="${TORCHLET_KERNELS_CHECK_FLAGS:-}"
objdir="${TORCHLET_KERNELS_CHECK_OBJDIR:-}"
tag="$extra${objdir:+ objs:$objdir}"
out="${TMPDIR:-/tmp}/torchlet_kernels_check${tag:+_$(printf '%s' "$tag" | md5sum | cut -c1-8)}"
kernels=(cpu/gemm.cc cpu/conv.cc cpu/pool2d.cc core/registry.cc)
inputs=()
for k in "${kernels[@]}"; do
  if [ -n "$objdir" ]; then
    [ -f "$objdir/native/$k.o" ] || { echo "run_kernels_check: $objdir/native/$k.o not found (build that addon first)" >&2; exit 1; }
    inputs+=("$objdir/native/$k.o")
  else
    inputs+=("$root/native/$k")
  fi
done
# shellcheck disable=SC2086
g++ -O2 -fopenmp -ffp-contract=fast -std=gnu++17 -Wall -Wno-unused-function $extra -I"$root/native" \
  "$root/test/native/kernels_check.cc" "${inputs[@]}" -o "$out"
exec "$out" "$@"

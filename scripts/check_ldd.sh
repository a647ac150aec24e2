#!/usr/bin/env bash
# scripts/check_ldd.sh — shows that the native addon needs no CUDA library at load time and
# loads where no NVIDIA driver exists.
#   * `readelf -d` NEEDED entries and `ldd`: no libcudart, libcublas, libcudnn, libnvrtc, libcuda...
#     and nothing "not found" (only glibc, libstdc++/libgcc_s, and libgomp for OpenMP).
#   * The CUDA runtime is linked statically (CMakeLists.txt: CUDA::cudart_static,
#     CUDA_RUNTIME_LIBRARY Static): the binary carries cudart's own markers, imports dlopen from
#     libc, and names libcuda.so.1, the driver library the static cudart dlopen()s lazily on the
#     first CUDA call.
#   * Loading it in a process on a machine without a driver works: require() of the binary, then
#     require(<package>).cuda.isAvailable() is false with the reason, and no CUDA library is
#     mapped into the process afterwards. (On a machine with a driver that step is reported only.)
# CUDA must be compiled into the binary checked when nvcc is found here (CUDA=required), so the
# check covers the static cudart; without nvcc a CPU-only binary is accepted (CUDA=optional);
# TORCHLET_REQUIRE_CUDA=1|0 overrides. On a GPU machine, TORCHLET_EXPECT_GPU=1 turns the
# driver-present report into a check that torch.cuda.isAvailable() is true.
#
# Usage: bash scripts/check_ldd.sh [ADDON.node [PACKAGE_DIR]]
#   ADDON.node   default: prebuilds/<platform>-<arch>/*.node of this checkout (scripts/prebuild.sh)
#   PACKAGE_DIR  the torchlet package that loads it (default: this checkout, which needs dist/);
#                node-gyp-build in PACKAGE_DIR must resolve to ADDON.node.
# Prints PASS/FAIL lines; exit status 1 if any check failed.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
platform=$(node -p 'process.platform')
arch=$(node -p 'process.arch')

addon=${1:-}
if [ -z "$addon" ]; then addon=$(ls "$repo/prebuilds/$platform-$arch/"*.node 2>/dev/null | head -1); fi
pkg=${2:-$repo}
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
section() { echo; echo "== $* =="; }

if [ -z "$addon" ] || [ ! -f "$addon" ]; then
  echo "FAIL: no addon to check (run scripts/prebuild.sh, or pass the .node file)"; exit 1
fi
addon=$(cd "$(dirname "$addon")" && pwd)/$(basename "$addon")
pkg=$(cd "$pkg" && pwd)

if [ -n "${TORCHLET_REQUIRE_CUDA:-}" ]; then require_cuda=$TORCHLET_REQUIRE_CUDA
elif command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ]; then require_cuda=1
else require_cuda=0; fi

echo "check_ldd: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -srm), $(ldd --version 2>&1 | head -1)"
echo "addon:   $addon ($(du -k "$addon" | cut -f1) KiB, sha256 $(sha256sum "$addon" | cut -c1-16))"
echo "package: $pkg"
echo "CUDA in the binary: $([ "$require_cuda" = 1 ] && echo 'required (nvcc found on this machine)' || echo 'optional (no nvcc here)')"

cuda_libs='libcuda\.so|libcudart|libcublas|libcublasLt|libcudnn|libnvrtc|libnvJitLink|libcufft|libcurand|libcusparse|libcusolver|libnccl|libnvidia|libnvToolsExt|libcupti'

section "readelf -d (NEEDED)"
needed=$(readelf -d "$addon" | awk '/\(NEEDED\)/ { gsub(/[\[\]]/, "", $NF); print $NF }')
printf '  %s\n' $needed
readelf -d "$addon" | grep -E '\((RPATH|RUNPATH)\)' | sed 's/^ */  /'
if printf '%s\n' $needed | grep -Eq "$cuda_libs"; then fail "NEEDED lists a CUDA library: $(printf '%s ' $needed | grep -Eo "$cuda_libs[^ ]*")"
else pass "no CUDA library among the NEEDED entries"; fi

section "ldd"
ldd_out=$(ldd "$addon" 2>&1)
printf '%s\n' "$ldd_out" | sed 's/^\t*/  /'
if printf '%s\n' "$ldd_out" | grep -q 'not found'; then fail "ldd: unresolved libraries"
else pass "ldd resolves every dependency"; fi
if printf '%s\n' "$ldd_out" | grep -Eq "$cuda_libs"; then fail "ldd pulls in a CUDA library"
else pass "ldd pulls in no CUDA library"; fi
others=$(printf '%s\n' $needed | grep -Ev '^(libc|libm|libdl|librt|libpthread|ld-linux[-a-z0-9_]*|libstdc\+\+|libgcc_s)\.so' || true)
echo "  non-glibc/libstdc++ dependencies (must exist on user machines): ${others:-none}"
echo "  newest symbol versions needed: $(objdump -T "$addon" | grep -Eo 'GLIBC_[0-9.]+' | sort -uV | tail -1) (glibc), $(objdump -T "$addon" | grep -Eo 'GLIBCXX_[0-9.]+' | sort -uV | tail -1), $(objdump -T "$addon" | grep -Eo 'CXXABI_[0-9.]+' | sort -uV | tail -1) (libstdc++)"

section "static CUDA runtime"
markers=$(strings -a "$addon" | grep -c '^libcudart_static_' || true)
names_driver=$(strings -a "$addon" | grep -Ec '^libcuda\.so(\.1)?$' || true)
dl_imports=$(nm -D --undefined-only "$addon" | grep -Eo ' (dlopen|dlsym|dlmopen)@[A-Z_0-9.]+' | tr -d ' ' | tr '\n' ' ')
cudart_syms=$(nm -D --defined-only "$addon" | grep -c ' T cuda' || true)
echo "  cudart static markers (libcudart_static_*): $markers; 'libcuda.so[.1]' strings: $names_driver; dl imports: ${dl_imports:-none}; exported cuda* symbols: $cudart_syms"
if [ "$markers" -gt 0 ]; then
  if [ "$names_driver" -gt 0 ] && [ -n "$dl_imports" ]; then pass "CUDA runtime linked statically; the driver (libcuda.so.1) is dlopen()ed at run time, not a load-time dependency"
  else fail "cudart markers found but no dlopen of libcuda.so.1"; fi
  if [ "$cudart_syms" -eq 0 ]; then pass "static cudart is not re-exported (-fvisibility=hidden)"; else echo "  note: $cudart_syms cuda* symbols exported"; fi
elif [ "$require_cuda" = 1 ]; then fail "nvcc is present here but the binary has no CUDA runtime in it (CPU-only build)"
else echo "  CPU-only binary (no CUDA runtime inside)"; fi

section "load without an NVIDIA driver"
driver=""
if ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1 '; then driver=$(ldconfig -p | grep 'libcuda\.so\.1 ' | head -1 | sed 's/.*=> //'); fi
for d in ${LD_LIBRARY_PATH:+${LD_LIBRARY_PATH//:/ }}; do [ -z "$driver" ] && [ -e "$d/libcuda.so.1" ] && driver="$d/libcuda.so.1"; done
if [ -z "$driver" ]; then echo "  libcuda.so.1: not installed (no NVIDIA driver on this machine)"
else echo "  libcuda.so.1: $driver (an NVIDIA driver is installed; the no-driver assertions become reports)"; fi
prebuilds_only=""
case "$addon" in */prebuilds/*) prebuilds_only=1 ;; esac
load_out=$(cd "$pkg" && PREBUILDS_ONLY=$prebuilds_only node -e '
  const fs = require("fs"), path = require("path");
  const [addon, pkg, requireCuda, haveDriver] = process.argv.slice(1);
  const out = (k, v) => console.log(`${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  const b = require(addon);
  const info = b.cudaInfo();
  out("raw_ok", true); out("compiled", info.compiled); out("devices", info.deviceCount); out("reason", info.reason);
  let gyp = require(require.resolve("node-gyp-build", { paths: [pkg] })).path(pkg);
  out("resolved", fs.realpathSync(gyp) === fs.realpathSync(addon) ? "same" : gyp);
  const torch = require(pkg);
  out("isAvailable", torch.cuda.isAvailable());
  out("deviceCount", torch.cuda.deviceCount());
  const maps = fs.readFileSync("/proc/self/maps", "utf8").split("\n").map((l) => l.split(/\s+/)[5]).filter(Boolean);
  const cudaMapped = [...new Set(maps.filter((m) => /libcuda|libcudart|libcublas|libnvrtc|libcudnn/.test(path.basename(m))))];
  out("cuda_mapped", cudaMapped.join(",") || "none");
' "$addon" "$pkg" "$require_cuda" "${driver:+1}" 2>&1)
rc=$?
printf '%s\n' "$load_out" | sed 's/^/  /'
get() { printf '%s\n' "$load_out" | sed -n "s/^$1=//p" | head -1; }
if [ $rc -ne 0 ] || [ "$(get raw_ok)" != true ]; then fail "loading the addon / require('torchlet') failed (exit $rc)"
else
  pass "the addon loads with require()"
  [ "$(get resolved)" = same ] && pass "node-gyp-build in the package resolves to this binary" ||
    fail "node-gyp-build in $pkg resolves to $(get resolved), not the checked binary"
  if [ "$require_cuda" = 1 ] && [ "$(get compiled)" != true ]; then fail "CUDA is not compiled into the binary"; fi
  if [ -z "$driver" ]; then
    [ "$(get isAvailable)" = false ] && [ "$(get deviceCount)" = 0 ] &&
      pass "torch.cuda.isAvailable() === false, deviceCount() === 0 without a driver (reason: $(get reason))" ||
      fail "torch.cuda.isAvailable() is $(get isAvailable) without a driver"
    [ "$(get cuda_mapped)" = none ] && pass "no CUDA library mapped into the process after the CUDA query" ||
      fail "CUDA libraries mapped: $(get cuda_mapped)"
  else
    echo "  with driver: isAvailable=$(get isAvailable) deviceCount=$(get deviceCount) mapped: $(get cuda_mapped)"
    if [ "${TORCHLET_EXPECT_GPU:-0}" = 1 ]; then
      [ "$(get isAvailable)" = true ] && pass "torch.cuda.isAvailable() === true with the driver ($(get deviceCount) devices)" ||
        fail "TORCHLET_EXPECT_GPU=1 but torch.cuda.isAvailable() is $(get isAvailable) (reason: $(get reason))"
    fi
  fi
fi

echo
if [ $fails -eq 0 ]; then echo "check_ldd: PASS (all checks)"; exit 0; fi
echo "check_ldd: FAIL ($fails failed)"; exit 1

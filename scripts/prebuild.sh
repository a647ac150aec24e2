#!/usr/bin/env bash
# scripts/prebuild.sh — builds the release ("prebuilt") native addon and puts it where
# node-gyp-build looks for it in an installed package:
#     prebuilds/<platform>-<arch>/node.napi.glibc.node        (linux-x64 here)
# That is prebuildify's N-API naming: tags `node` + `napi` (one binary for every Node >= 20,
# the addon uses Node-API 8 through node-addon-api) + `glibc` (so musl/Alpine skips it and
# scripts/install.js builds from source instead). `npm pack` ships it (package.json "files"
# lists prebuilds/). The old contents of prebuilds/<platform>-<arch>/ are replaced.
#
# Build: prebuildify (the prebuild tool this package uses) with a cmake-js backend
# (scripts/prebuildify-cmake-js.js in place of node-gyp), building CMakeLists.txt in build/prebuild/build/
# (separate from the development build in build/Release, incremental between runs; --clean starts over). CPU kernels always; CUDA when a
# CUDA compiler is found ($CUDACXX, nvcc on the PATH, or /usr/local/cuda/bin/nvcc): then
# -DTORCHLET_CUDA=ON so a broken CUDA toolchain fails the build instead of silently giving a
# CPU-only prebuild. TORCHLET_CUDA=ON|OFF|AUTO in the environment overrides that choice.
# The binary must run on any x86-64 CPU (fast kernels dispatch on the CPU at run time), so this
# script refuses -march/-mtune=native/-mavx* in CFLAGS/CXXFLAGS/CUDAFLAGS, checks that the
# generated build files contain none, and disassembles the result (objdump) to check that AVX
# instructions occur only in the Avx2/Avx512 kernels chosen at run time. Finally it checks that
# node-gyp-build resolves and loads the prebuild as an installed package would (PREBUILDS_ONLY=1)
# and, with CUDA on, that the CUDA part is compiled in.
#
# Usage: bash scripts/prebuild.sh [--clean]      Exit status non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

clean=0
for a in "$@"; do
  case "$a" in
    --clean) clean=1 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "prebuild: unknown argument $a" >&2; exit 2 ;;
  esac
done

platform=$(node -p 'process.platform')
arch=$(node -p 'process.arch')
outdir="$root/prebuilds/$platform-$arch"
# glibc tag only on glibc Linux (node-gyp-build compares it with its own libc detection)
libc_tag=""
if [ "$platform" = linux ] && [ ! -f /etc/alpine-release ]; then libc_tag=".glibc"; fi
target="$outdir/node.napi$libc_tag.node"
builddir="build/prebuild"

# --- no host-CPU-specific code generation -------------------------------------------------
for v in CFLAGS CXXFLAGS CUDAFLAGS CMAKE_CXX_FLAGS; do
  val=${!v:-}
  if printf '%s' "$val" | grep -Eq -- '-march=|-mtune=native|-mavx|-mfma|-mcpu=native'; then
    echo "prebuild: FAIL: \$$v contains CPU-specific flags ($val); the prebuild must run on any x86-64" >&2
    exit 1
  fi
done

# --- CUDA or not ----------------------------------------------------------------------------
nvcc=""
if [ -n "${CUDACXX:-}" ] && [ -x "${CUDACXX}" ]; then nvcc=$CUDACXX
elif command -v nvcc >/dev/null 2>&1; then nvcc=$(command -v nvcc)
elif [ -x /usr/local/cuda/bin/nvcc ]; then nvcc=/usr/local/cuda/bin/nvcc
fi
cuda_mode=${TORCHLET_CUDA:-}
if [ -z "$cuda_mode" ]; then
  if [ -n "$nvcc" ]; then cuda_mode=ON; else cuda_mode=OFF; fi
fi
cmake_defs=(--CDTORCHLET_CUDA="$cuda_mode")
if [ "$cuda_mode" != OFF ] && [ -n "$nvcc" ]; then
  cmake_defs+=(--CDCMAKE_CUDA_COMPILER="$nvcc")
  echo "prebuild: CUDA compiler $nvcc ($("$nvcc" --version | grep -o 'release [0-9.]*' || true)), TORCHLET_CUDA=$cuda_mode"
else
  echo "prebuild: no CUDA compiler (or TORCHLET_CUDA=OFF): CPU-only prebuild, TORCHLET_CUDA=$cuda_mode"
fi

# --- build ----------------------------------------------------------------------------------
cmakejs=(node "$root/node_modules/cmake-js/bin/cmake-js")
[ -f "$root/node_modules/cmake-js/bin/cmake-js" ] || { echo "prebuild: FAIL: node_modules/cmake-js missing (run npm ci first)" >&2; exit 1; }
# cmake-js takes the Node headers from $npm_config_nodedir when set (npm exports it to scripts
# from .npmrc `nodedir`), else downloads them from nodejs.org; honour .npmrc when run directly.
if [ -z "${npm_config_nodedir:-}" ]; then
  nd=$(npm config get nodedir 2>/dev/null || true)
  if [ -n "$nd" ] && [ "$nd" != undefined ] && [ "$nd" != null ]; then export npm_config_nodedir=$nd; fi
fi
[ $clean = 1 ] && rm -rf "$builddir"
[ -f "$root/node_modules/prebuildify/bin.js" ] || { echo "prebuild: FAIL: node_modules/prebuildify missing (run npm ci first)" >&2; exit 1; }
t0=$(date +%s)
# prebuildify (--napi: one binary for every Node with Node-API 8+; --name node.napi keeps the napi tag in
# the file name, which prebuildify 6 leaves out and node-gyp-build reads as "any runtime"; --tag-libc on
# Linux) runs its
# node-gyp command in --cwd and moves <cwd>/build/Release/*.node to prebuilds/<platform>-<arch>/<tags>.node;
# scripts/prebuildify-cmake-js.js stands in for node-gyp and builds with cmake-js (configure + build
# into $builddir/build, incremental between runs) with the -D choices above.
mkdir -p "$outdir" "$builddir"
rm -f "$outdir"/*.node
tag_args=()
[ -n "$libc_tag" ] && tag_args+=(--tag-libc)
TORCHLET_PREBUILD_CMAKE_ARGS=$(printf '%s\n' "${cmake_defs[@]}") \
  node "$root/node_modules/prebuildify/bin.js" --napi --name node.napi "${tag_args[@]}" --cwd "$builddir" --out "$root" \
  --node-gyp "$root/scripts/prebuildify-cmake-js.js"
# compile flags live in build.ninja (Ninja) or CMakeFiles/*/flags.make (Makefiles)
flagfiles=("$builddir/build/CMakeCache.txt")
[ -f "$builddir/build/build.ninja" ] && flagfiles+=("$builddir/build/build.ninja")
while IFS= read -r f; do flagfiles+=("$f"); done < <(find "$builddir/build/CMakeFiles" -name flags.make 2>/dev/null)
if grep -Eq -e '-march=|-mtune=native|-mavx|-mfma' "${flagfiles[@]}"; then
  echo "prebuild: FAIL: the generated build uses CPU-specific flags (-march/-mavx...); remove them" >&2
  exit 1
fi
[ -f "$target" ] || { echo "prebuild: FAIL: prebuildify did not produce ${target#"$root"/} ($(ls "$outdir"))" >&2; exit 1; }
echo "prebuild: built in $(( $(date +%s) - t0 )) s -> ${target#"$root"/} ($(du -k "$target" | cut -f1) KiB)"

# --- no AVX outside the runtime-dispatched kernels ----------------------------------------------
# Code compiled for baseline x86-64 has no VEX/EVEX instructions; only functions built with
# __attribute__((target("avx2"/"avx512..."))) and called after __builtin_cpu_supports() may have
# them. Convention checked here: such functions have avx2/avx512 in their demangled name
# (tl::cpu::IsaAvx2::..., IsaAvx512::...). Anything else using v* instructions would crash with
# SIGILL on a CPU without AVX.
if [ "$arch" = x64 ] && command -v objdump >/dev/null 2>&1; then
  bad=$(objdump -d --no-show-raw-insn -C "$target" |
    awk '/^[0-9a-f]+ <.*>:$/ {fn=$0; next}
         /\t(v[a-z0-9]+|kmov[a-z]+)[ \t]/ { if (!(fn in seen)) { seen[fn]=1; print fn } }' |
    sed 's/^[0-9a-f]* //' | grep -viE 'avx2|avx512' || true)
  if [ -n "$bad" ]; then
    echo "prebuild: FAIL: AVX instructions outside the runtime-dispatched kernels (would SIGILL on CPUs without AVX):" >&2
    printf '%s\n' "$bad" | head -20 >&2
    exit 1
  fi
  echo "prebuild: OK: baseline x86-64 code; AVX2/AVX-512 instructions only in the dispatched Isa{Avx2,Avx512} kernels"
elif [ "$arch" = x64 ]; then
  echo "prebuild: note: objdump not found, ISA check skipped"
fi

# --- the packaged layout resolves and loads -------------------------------------------------
# PREBUILDS_ONLY makes node-gyp-build skip build/Release, as in an installed package.
PREBUILDS_ONLY=1 node -e '
  const want = process.argv[1];
  const p = require("node-gyp-build").path(process.cwd());
  if (require("path").resolve(p) !== require("path").resolve(want)) {
    console.error(`prebuild: FAIL: node-gyp-build resolves ${p}, expected ${want}`); process.exit(1);
  }
  const b = require(p);
  const info = b.cudaInfo();
  console.log(`prebuild: OK: node-gyp-build loads ${require("path").relative(process.cwd(), p)}; ` +
    `${b.schema().ops.length} ops; CUDA compiled in: ${info.compiled}; CUDA devices: ${info.deviceCount}` +
    (info.reason ? ` (${info.reason})` : ""));
  if (process.argv[2] === "ON" && !info.compiled) { console.error("prebuild: FAIL: CUDA expected in the binary"); process.exit(1); }
' "$target" "$cuda_mode"

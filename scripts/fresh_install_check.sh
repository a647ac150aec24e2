#!/usr/bin/env bash
# scripts/fresh_install_check.sh — "install like a real npm package": installs the packed
# tarball into an empty project on a PATH without compilers and uses it the way a user would.
#   1. scripts/prebuild.sh: the release addon in prebuilds/<platform>-<arch>/ (CUDA when nvcc exists;
#      FRESH_PREBUILD=0 uses the prebuild already there, e.g. one downloaded from a CUDA build job)
#   2. npm pack into a temp dir; the tarball holds the prebuild, dist/, the install script and sources
#   3. a bin dir with symlinks to node, npm, npx, sh, bash and a few coreutils only:
#      g++, gcc, cc, c++, clang, cmake, make, nvcc must all be unfindable on that PATH
#   4. npm install <tarball> in an empty temp project on that PATH; the install must use the
#      prebuild (install script says so, node_modules/torchlet/build/ does not exist) and
#      require('torchlet') must work
#   5. scripts/check_ldd.sh on the installed addon (no CUDA library needed, loads without driver)
#   6. npx torchlet train --epochs 1 (one real epoch on the official Fashion-MNIST files, and its
#      curves.svg / report.html / metrics.csv beside the checkpoint; extra
#      arguments from $FRESH_TRAIN_ARGS, e.g. "--limit-train 2000 --limit-test 500")
#   7. a PNG of one Fashion-MNIST test image (node + pngjs from the temp project), then
#      npx torchlet predict --checkpoint <checkpoint written by train> <png>
#   8. source builds (skip with FRESH_FROM_SOURCE=0): TORCHLET_BUILD_FROM_SOURCE=1 install
#      with compilers must build node_modules/torchlet/build/Release and load it; the same install
#      without compilers must fail with the install script's explanation.
#   9. npm install --ignore-scripts (what npm 12 does to an unapproved install script): the prebuild
#      still loads; with prebuilds/ deleted the load error names the commands to run, and those
#      commands, run as printed (with compilers; skipped by FRESH_FROM_SOURCE=0), build from source.
# Prints PASS/FAIL/SKIP lines with timings and a summary; exit status 1 if anything failed.
# Temp dirs are removed at exit (FRESH_KEEP=1 keeps them). $FRESH_LDD_OUT: also write the
# check_ldd.sh report there. Run from anywhere; needs the repo's node_modules (npm ci) and network
# access to the npm registry (or a warm npm cache) for torchlet's dependencies.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# Isolate from a parent `npm run`: its npm_config_*/npm_package_* variables would leak into the
# nested npm commands (npm reads .npmrc itself).
for v in $(compgen -e | grep -E '^(npm_|NPM_CONFIG_|INIT_CWD$)' || true); do unset "$v"; done

platform=$(node -p 'process.platform')
arch=$(node -p 'process.arch')
work=$(mktemp -d "${TMPDIR:-/tmp}/torchlet-fresh.XXXXXX")
cleanup() { if [ "${FRESH_KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

results=()
fails=0
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
pass() { results+=("PASS: $1 ($2 s)"); echo "PASS: $1 ($2 s)"; }
fail() { results+=("FAIL: $1 ($2 s)"); echo "FAIL: $1 ($2 s)"; fails=$((fails + 1)); }
skip() { results+=("SKIP: $1"); echo "SKIP: $1"; }
finish() {
  echo
  echo "== fresh install check: summary =="
  printf '%s\n' "${results[@]}"
  if [ $fails -eq 0 ]; then echo "fresh install check: PASS (total $(secs "$T0") s)"; exit 0; fi
  echo "fresh install check: FAIL ($fails failed, total $(secs "$T0") s)"; exit 1
}
tail_log() { echo "----- last lines of $1 -----"; tail -n "${2:-25}" "$1" | sed 's/^/  | /'; echo "-----"; }
T0=$(now)

# ---- 1. prebuild ---------------------------------------------------------------------------
echo "== 1. prebuild =="
t=$(now)
if [ "${FRESH_PREBUILD:-1}" = 0 ]; then
  if ls "$repo/prebuilds/$platform-$arch/"*.node >/dev/null 2>&1; then
    pass "FRESH_PREBUILD=0: using the existing $(ls "$repo/prebuilds/$platform-$arch/"*.node | head -1 | sed "s|^$repo/||")" "$(secs "$t")"
  else
    fail "FRESH_PREBUILD=0 but prebuilds/$platform-$arch/ has no .node file" "$(secs "$t")"; finish
  fi
elif bash "$repo/scripts/prebuild.sh" >"$work/prebuild.log" 2>&1; then
  grep '^prebuild:' "$work/prebuild.log"
  pass "prebuild built prebuilds/$platform-$arch/ (CUDA compiled in when nvcc is found)" "$(secs "$t")"
else
  tail_log "$work/prebuild.log" 40; fail "scripts/prebuild.sh" "$(secs "$t")"; finish
fi
prebuild_name=$(basename "$(ls "$repo/prebuilds/$platform-$arch/"*.node | head -1)")

# ---- 2. npm pack ---------------------------------------------------------------------------
echo "== 2. npm pack =="
t=$(now)
mkdir -p "$work/pack"
if (cd "$repo" && npm pack --pack-destination "$work/pack" --silent >"$work/pack.log" 2>&1); then
  tgz=$(ls "$work/pack/"*.tgz | head -1)
  tar tzf "$tgz" >"$work/pack.list"
  missing=""
  for f in "package/prebuilds/$platform-$arch/$prebuild_name" package/dist/lib/index.js package/dist/lib/cli/main.js \
           package/scripts/install.js package/CMakeLists.txt package/native/napi/binding.cc package/package.json; do
    grep -qx "$f" "$work/pack.list" || missing+=" ${f#package/}"
  done
  extra=$(grep -E '^package/(build|node_modules|test|runs|\.data)/' "$work/pack.list" | head -3)
  if [ -z "$missing" ] && [ -z "$extra" ]; then
    pass "npm pack: $(basename "$tgz") ($(du -k "$tgz" | cut -f1) KiB, $(wc -l <"$work/pack.list") files) contains prebuilds/$platform-$arch/$prebuild_name, dist/, install script, sources" "$(secs "$t")"
  else
    fail "npm pack contents: missing:${missing:- none}; unwanted: ${extra:-none}" "$(secs "$t")"; finish
  fi
else
  tail_log "$work/pack.log"; fail "npm pack" "$(secs "$t")"; finish
fi

# ---- 3. PATH without compilers ---------------------------------------------------------------
echo "== 3. PATH without compilers =="
t=$(now)
bin="$work/bin"
mkdir -p "$bin"
for tool in node npm npx sh bash env cat ls mkdir rm cp mv ln chmod dirname basename uname grep sed; do
  p=$(command -v "$tool" || true)
  [ -n "$p" ] && ln -s "$(readlink -f "$p")" "$bin/$tool"
done
# npm and npx are scripts that find their package through their own path: link the real files
ln -sf "$(readlink -f "$(command -v npm)")" "$bin/npm"
ln -sf "$(readlink -f "$(command -v npx)")" "$bin/npx"
found=$(PATH="$bin" "$bin/bash" -c 'for c in g++ gcc cc c++ clang clang++ cmake make ninja nvcc ld; do command -v $c; done')
if [ -z "$found" ] && PATH="$bin" "$bin/bash" -c 'command -v node && command -v npm && command -v npx' >/dev/null; then
  pass "compilers hidden: command -v g++ gcc cc c++ clang cmake make ninja nvcc ld all fail; node/npm/npx found ($(ls "$bin" | tr '\n' ' '))" "$(secs "$t")"
else
  fail "PATH for the install still has: $found" "$(secs "$t")"; finish
fi
# run a command from the compiler-less bin dir, with only that dir on the PATH
nocc() { local c=$1; shift; PATH="$bin" "$bin/$c" "$@"; }

# ---- 4. install from the tarball with the prebuild -----------------------------------------------
echo "== 4. npm install <tarball> without compilers =="
t=$(now)
app="$work/app"
mkdir -p "$app"
printf '{ "name": "torchlet-fresh-app", "version": "1.0.0", "private": true }\n' >"$app/package.json"
if (cd "$app" && nocc npm install --no-audit --no-fund --foreground-scripts --prefer-offline "$tgz" >"$work/install.log" 2>&1); then
  tl="$app/node_modules/torchlet"
  used=$(grep -o "torchlet: using native addon [^ ]*" "$work/install.log" | head -1)
  if [ "$used" = "torchlet: using native addon prebuilds/$platform-$arch/$prebuild_name" ] && [ ! -e "$tl/build" ] &&
     ! grep -q 'building the native addon from source' "$work/install.log"; then
    pass "npm install used the prebuild ($used; no node_modules/torchlet/build/)" "$(secs "$t")"
  else
    tail_log "$work/install.log"; fail "install did not use the prebuild (${used:-no 'using' line}; build/ exists: $([ -e "$tl/build" ] && echo yes || echo no))" "$(secs "$t")"
  fi
else
  tail_log "$work/install.log" 40; fail "npm install of the tarball without compilers" "$(secs "$t")"; finish
fi
t=$(now)
if req=$(cd "$app" && nocc node -e '
  const t = require("torchlet");
  const p = require("node-gyp-build").path(require("path").dirname(require.resolve("torchlet/package.json")));
  const x = t.tensor([[1, 2], [3, 4]]);
  console.log(`loads ${require("path").relative(process.cwd(), p)}; ${t.kernels().length} kernels; ` +
    `tensor sum ${x.sum().item()}; cuda.isAvailable() ${t.cuda.isAvailable()}`);
  if (!/prebuilds/.test(p)) process.exit(3);
' 2>&1); then
  pass "require('torchlet') in the fresh project: $req" "$(secs "$t")"
else
  echo "$req" | tail -20; fail "require('torchlet') in the fresh project" "$(secs "$t")"
fi

# ---- 5. ldd check on the installed addon ---------------------------------------------------
echo "== 5. check_ldd.sh on the installed addon =="
t=$(now)
if bash "$repo/scripts/check_ldd.sh" "$tl/prebuilds/$platform-$arch/$prebuild_name" "$tl" >"$work/ldd.log" 2>&1; then
  grep -E '^(PASS|FAIL)' "$work/ldd.log" | sed 's/^/  /'
  pass "check_ldd.sh: the installed addon needs no CUDA library and loads without a driver" "$(secs "$t")"
else
  cat "$work/ldd.log"; fail "check_ldd.sh on the installed addon" "$(secs "$t")"
fi
[ -n "${FRESH_LDD_OUT:-}" ] && cp "$work/ldd.log" "$FRESH_LDD_OUT"

# ---- 6. train one epoch --------------------------------------------------------------------
echo "== 6. npx torchlet train --epochs 1 =="
t=$(now)
# shellcheck disable=SC2086
if (cd "$app" && nocc npx --no torchlet train --epochs 1 --no-progress --out "$work/run" ${FRESH_TRAIN_ARGS:-} >"$work/train.log" 2>&1); then
  grep -E '^epoch|^checkpoint' "$work/train.log" | sed 's/^/  /'
  final=$(grep '"final":true' "$work/train.log" | tail -1)
  ckpt=$(sed -n 's/^checkpoint: //p' "$work/train.log" | tail -1)
  acc=$(printf '%s' "$final" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).test_acc)}catch{console.log("")}})')
  min=${FRESH_MIN_ACC:-0.5}
  if [ -n "$ckpt" ] && [ -f "$ckpt" ] && [ -n "$acc" ] && awk -v a="$acc" -v m="$min" 'BEGIN { exit !(a >= m) }'; then
    pass "npx torchlet train --epochs 1: test_acc $acc (>= $min), checkpoint $(basename "$ckpt") ($(du -k "$ckpt" | cut -f1) KiB); $final" "$(secs "$t")"
    # the run's report beside the checkpoint: curves image (vega-lite SVG), HTML report, metrics CSV
    rundir=$(dirname "$ckpt")
    if grep -q '<svg' "$rundir/curves.svg" 2>/dev/null && grep -q '<svg' "$rundir/report.html" 2>/dev/null &&
      [ "$(wc -l <"$rundir/metrics.csv" 2>/dev/null || echo 0)" -ge 2 ]; then
      pass "training report written: curves.svg ($(du -k "$rundir/curves.svg" | cut -f1) KiB), report.html with the curves inline, metrics.csv" "0"
    else
      fail "training report: curves.svg / report.html / metrics.csv missing or empty in $rundir" "0"
    fi
  else
    tail_log "$work/train.log"; fail "train: checkpoint '${ckpt}' / test_acc '${acc}' (need >= $min)" "$(secs "$t")"
  fi
else
  tail_log "$work/train.log"; fail "npx torchlet train --epochs 1" "$(secs "$t")"; ckpt=""
fi

# ---- 7. PNG + predict ----------------------------------------------------------------------
echo "== 7. npx torchlet predict on a PNG of a Fashion-MNIST test image =="
t=$(now)
png="$work/test-image.png"
if label=$(cd "$app" && nocc node -e '
  // One official test image as an 8-bit grayscale 28x28 PNG, written with pngjs (a dependency of
  // torchlet, so installed in this project). Prints "<label index> <class name>".
  const fs = require("fs"), path = require("path"), os = require("os"), zlib = require("zlib");
  const { PNG } = require("pngjs");
  const [out, idxArg] = process.argv.slice(1);
  const idx = Number(idxArg);
  const env = process.env;
  const dirs = ["/usr/share/datasets/fashion-mnist",
    env.TORCHLET_HOME && path.join(env.TORCHLET_HOME, "datasets", "fashion-mnist"),
    path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "torchlet", "datasets", "fashion-mnist")].filter(Boolean);
  const read = (name) => {
    for (const d of dirs) {
      if (fs.existsSync(path.join(d, name + ".gz"))) return zlib.gunzipSync(fs.readFileSync(path.join(d, name + ".gz")));
      if (fs.existsSync(path.join(d, name))) return fs.readFileSync(path.join(d, name));
    }
    throw new Error(`${name}(.gz) not found in ${dirs.join(", ")}`);
  };
  const images = read("t10k-images-idx3-ubyte"), labels = read("t10k-labels-idx1-ubyte");
  if (images.readUInt32BE(0) !== 2051 || labels.readUInt32BE(0) !== 2049) throw new Error("bad IDX magic");
  const png = new PNG({ width: 28, height: 28, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from(images.subarray(16 + idx * 784, 16 + (idx + 1) * 784));
  fs.writeFileSync(out, PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
  const back = PNG.sync.read(fs.readFileSync(out));
  if (back.width !== 28 || back.height !== 28) throw new Error("PNG round trip failed");
  const label = labels[8 + idx];
  const classes = require("torchlet").data.FASHION_MNIST_CLASSES;
  console.log(`${label} ${classes[label]}`);
' "$png" "${FRESH_IMAGE_INDEX:-0}" 2>&1); then
  echo "  wrote $(basename "$png") (28x28 grayscale, test image #${FRESH_IMAGE_INDEX:-0}, label ${label})"
else
  echo "$label" | tail -10; fail "writing the PNG with pngjs" "$(secs "$t")"; label=""
fi
if [ -z "$ckpt" ] || [ -z "$label" ]; then
  skip "npx torchlet predict (no checkpoint or PNG)"
elif (cd "$app" && nocc npx --no torchlet predict --checkpoint "$ckpt" "$png" >"$work/predict.log" 2>&1); then
  grep -v '^npm warn Unknown user config' "$work/predict.log" | sed 's/^/  | /' | head -15
  name=${label#* }
  if grep -qi -- "$name" "$work/predict.log"; then note="names the true class '$name'"; else note="true class '$name' not named (1-epoch model)"; fi
  if [ -s "$work/predict.log" ]; then pass "npx torchlet predict --checkpoint $(basename "$ckpt") $(basename "$png"): output $note" "$(secs "$t")"
  else fail "npx torchlet predict printed nothing" "$(secs "$t")"; fi
else
  tail_log "$work/predict.log" 15; fail "npx torchlet predict --checkpoint <ckpt> <png>" "$(secs "$t")"
fi

# ---- 8. source builds ----------------------------------------------------------------------
if [ "${FRESH_FROM_SOURCE:-1}" = 0 ]; then
  skip "TORCHLET_BUILD_FROM_SOURCE=1 installs (FRESH_FROM_SOURCE=0)"
else
  echo "== 8. TORCHLET_BUILD_FROM_SOURCE=1 installs =="
  t=$(now)
  src="$work/app-src"
  mkdir -p "$src"
  cp "$app/package.json" "$src/"
  if (cd "$src" && TORCHLET_BUILD_FROM_SOURCE=1 npm install --no-audit --no-fund --foreground-scripts --prefer-offline "$tgz" >"$work/install-src.log" 2>&1) &&
     [ -f "$src/node_modules/torchlet/build/Release/torchlet.node" ] &&
     res=$(cd "$src" && node -e '
       const t = require("torchlet");
       const p = require("node-gyp-build").path(require("path").dirname(require.resolve("torchlet/package.json")));
       if (!/build\/Release/.test(p)) { console.log(`loaded ${p}`); process.exit(3); }
       console.log(`loads ${require("path").relative(process.cwd(), p)}; ${t.kernels().length} kernels; sum ${t.tensor([1, 2, 3]).sum().item()}`);
     ' 2>&1); then
    pass "TORCHLET_BUILD_FROM_SOURCE=1 npm install (with compilers) built from source: $res" "$(secs "$t")"
  else
    tail_log "$work/install-src.log" 30; echo "${res:-}"; fail "TORCHLET_BUILD_FROM_SOURCE=1 install with compilers" "$(secs "$t")"
  fi
  t=$(now)
  nosrc="$work/app-nocc"
  mkdir -p "$nosrc"
  cp "$app/package.json" "$nosrc/"
  if (cd "$nosrc" && TORCHLET_BUILD_FROM_SOURCE=1 nocc npm install --no-audit --no-fund --foreground-scripts --prefer-offline "$tgz" >"$work/install-nocc.log" 2>&1); then
    fail "TORCHLET_BUILD_FROM_SOURCE=1 install without compilers succeeded (it cannot have built)" "$(secs "$t")"
  elif grep -q 'TORCHLET_BUILD_FROM_SOURCE=1 npm rebuild torchlet' "$work/install-nocc.log" && grep -q 'cmake >= 3.18' "$work/install-nocc.log"; then
    pass "TORCHLET_BUILD_FROM_SOURCE=1 install without compilers fails with the toolchain explanation" "$(secs "$t")"
  else
    tail_log "$work/install-nocc.log"; fail "the failed source build did not explain what is needed" "$(secs "$t")"
  fi
fi

# ---- 9. install scripts skipped --------------------------------------------------------------
# npm 12 runs no dependency's install script until the project approves it (npm install-scripts
# approve), pnpm 10 likewise, and --ignore-scripts skips it always: the prebuild must still load
# (node-gyp-build finds it at require time), and where none matches (simulated by deleting
# prebuilds/) the load error must name the commands that fix it, which are then run as printed.
echo "== 9. install with the install script skipped (--ignore-scripts) =="
t=$(now)
ign="$work/app-ignore-scripts"
mkdir -p "$ign"
cp "$app/package.json" "$ign/"
if (cd "$ign" && nocc npm install --no-audit --no-fund --ignore-scripts --prefer-offline "$tgz" >"$work/install-ignore.log" 2>&1) &&
   res=$(cd "$ign" && nocc node -e 'const t = require("torchlet"); console.log(`sum ${t.tensor([1, 2, 3]).sum().item()}`)' 2>&1); then
  pass "npm install --ignore-scripts: require('torchlet') loads the prebuild ($res)" "$(secs "$t")"
else
  tail_log "$work/install-ignore.log"; echo "${res:-}"; fail "npm install --ignore-scripts, then require('torchlet')" "$(secs "$t")"
fi
t=$(now)
rm -rf "$ign/node_modules/torchlet/prebuilds"
msg=$(cd "$ign" && nocc node -e '
  try { require("torchlet"); console.log("LOADED"); } catch (e) { console.log(`${e.code}\n${e.message}`); }' 2>&1)
approve=$(printf '%s\n' "$msg" | grep -E '^ +npm install-scripts approve torchlet$' | sed 's/^ *//' || true)
rebuild=$(printf '%s\n' "$msg" | grep -E '^ +TORCHLET_BUILD_FROM_SOURCE=1 npm rebuild torchlet' | sed 's/^ *//' || true)
if printf '%s\n' "$msg" | head -1 | grep -q '^ERR_TORCHLET_ADDON_LOAD$' && [ -n "$approve" ] && [ -n "$rebuild" ] &&
   printf '%s\n' "$msg" | grep -q 'install script'; then
  pass "no matching prebuild and no install script run: the load error names the fix ($approve; $rebuild)" "$(secs "$t")"
else
  printf '%s\n' "$msg" | head -30; fail "the load error without a binary does not name the commands to run" "$(secs "$t")"
fi
if [ "${FRESH_FROM_SOURCE:-1}" = 0 ] || [ -z "$approve" ] || [ -z "$rebuild" ]; then
  skip "running the load error's commands (FRESH_FROM_SOURCE=0 or no commands found)"
else
  t=$(now)
  # the printed commands, as printed (CPU-only to keep the check short: stage 8 builds CUDA)
  if (cd "$ign" && export TORCHLET_CUDA=OFF && eval "$approve" && eval "$rebuild") >"$work/rebuild.log" 2>&1 &&
     res=$(cd "$ign" && node -e '
       const t = require("torchlet");
       const p = require("node-gyp-build").path(require("path").dirname(require.resolve("torchlet/package.json")));
       if (!/build\/Release/.test(p)) { console.log(`loaded ${p}`); process.exit(3); }
       console.log(`loads ${require("path").relative(process.cwd(), p)}; sum ${t.tensor([1, 2, 3]).sum().item()}`);' 2>&1); then
    pass "the load error's commands, run as printed, build the addon from source: $res" "$(secs "$t")"
  else
    tail_log "$work/rebuild.log" 30; echo "${res:-}"; fail "the load error's commands did not produce a working addon" "$(secs "$t")"
  fi
fi

finish

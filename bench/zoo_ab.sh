#!/usr/bin/env bash
# bench/zoo_ab.sh — bench/zoo.js on two or more torchlet checkouts, alternating (A B A B ...), so that
# a difference between builds is told from this VM's run-to-run spread (10-30% over minutes): each
# run is zoo.js's own set of processes (PyTorch, torchlet from that root, onnxruntime-node). Prints
# each run's training and inference rows, labelled by root and round; every run's full report stays
# in OUTDIR.
#   bash bench/zoo_ab.sh OUTDIR ROUNDS ROOT_A ROOT_B [...] -- [zoo.js arguments, e.g. --nets tv_resnet18 --batch 64]
# A root is a checkout with `npm run build` done (e.g. `git worktree add ../old REV`, node_modules
# linked, `npx tsc -p tsconfig.json` and `npx cmake-js compile` there).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?OUTDIR}
rounds=${2:?ROUNDS}
shift 2
roots=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do roots+=("$1"); shift; done
[ $# -gt 0 ] && shift
[ ${#roots[@]} -ge 2 ] || { echo "zoo_ab.sh: give at least two roots" >&2; exit 2; }
mkdir -p "$out"
for round in $(seq "$rounds"); do
  for i in "${!roots[@]}"; do
    root=${roots[$i]}
    label="$(basename "$root")@$(git -C "$root" rev-parse --short HEAD)$( [ -z "$(git -C "$root" status --porcelain --untracked-files=no)" ] || echo +dirty)"
    file="$out/round$round-root$i.txt"
    node bench/zoo.js --root "$root" --rounds 1 --work "$out/work-$i" "$@" > "$file" 2>&1
    echo "== round $round, root $i: $root ($label)"
    # the training and inference rows (net name first, then numbers)
    awk '/^training step, ms/{t=1} /^agreement/{t=0} t && /^[a-z_0-9]+ +[0-9]/' "$file"
  done
done

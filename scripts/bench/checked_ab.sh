#!/usr/bin/env bash
# What the release build's safety checks cost: two coreg binaries, A (bounds and overflow checks
# on: the shipped build) and B (Kernel with -Ounchecked, Interpreter without exclusivity checks),
# run alternately, ROUNDS times each, on three jobs: a cnn_small and an MLP train step
# (`coreg bench train`), and a short interpreted training script (partial CE on the synthetic
# task, 20 epochs: loaders, bindings and the evaluator besides the kernels). Prints the raw output
# and, per job, each binary's median and the ratio B/A of the medians (> 1: the checks cost).
#   COREG_UNCHECKED=1 swift build -c release --product coreg --scratch-path .build-unchecked
#   swift build -c release --product coreg
#   STEPS=60 scripts/bench/checked_ab.sh .build/release/coreg .build-unchecked/release/coreg [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
A=$1; B=$2; R=${3:-5}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$A" run scripts/data/make_synthetic.coreg out="$tmp/syn" >/dev/null
echo "# $(date -u +%FT%TZ) $(uname -m) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); A=$A B=$B rounds=$R"
for r in $(seq 1 "$R"); do
  for which in A B; do
    bin=${!which}
    for m in cnn_small mlp; do
      v=$("$bin" bench train --model $m --input 1x28x28 --threads 2 --steps ${STEPS:-20} --json | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["train_images_per_s"])')
      echo "round $r $which train_$m images/s $v"
    done
    s=$(date +%s.%N)
    "$bin" run scripts/baselines/partial_ce.coreg data="$tmp/syn/data.npz" annotations="$tmp/syn/ann.npz" model=mlp epochs=20 lr=0.05 threads=2 out="$tmp/pce_$which" >/dev/null
    e=$(date +%s.%N)
    echo "round $r $which script_pce_synthetic seconds $(python3 -c "print(round($e - $s, 3))")"
  done
done | tee "$tmp/raw"
python3 - "$tmp/raw" <<'P'
import sys, statistics, collections
v = collections.defaultdict(list)
for line in open(sys.argv[1]):
    _, _, which, job, unit, x = line.split()
    v[(job, which, unit)].append(float(x))
print("| job | A (checked) median | B (unchecked) median | B/A |")
print("|---|---|---|---|")
for job in sorted({k[0] for k in v}):
    unit = [k[2] for k in v if k[0] == job][0]
    a, b = statistics.median(v[(job, "A", unit)]), statistics.median(v[(job, "B", unit)])
    print(f"| {job} ({unit}) | {a:.4g} | {b:.4g} | {b / a:.3f} |")
P

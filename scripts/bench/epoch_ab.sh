#!/usr/bin/env bash
# Co-Reg epoch time, two builds side by side: alternates an old and a new (binary, script) pair on
# the same late-phase run and prints one JSON line per run with each epoch's seconds.
#
#   scripts/bench/epoch_ab.sh OLD_BIN OLD_SCRIPT NEW_BIN NEW_SCRIPT [ROUNDS] [name=value ...]
#
# The default run: Fashion-MNIST, a 12,000-image subset (out/fmnist_12k.npy, made here if missing),
# warm-up 1, contrast from the first Co-Reg epoch, 3 epochs (epoch 2 is a full late-phase epoch),
# 2 threads. Extra name=value arguments replace or extend it.
set -euo pipefail
cd "$(dirname "$0")/../.."
old_bin=$1 old_script=$2 new_bin=$3 new_script=$4 rounds=${5:-2}
shift $(( $# < 5 ? $# : 5 ))
sub=out/fmnist_12k.npy
[ -f "$sub" ] || "$new_bin" run scripts/data/make_subset.coreg data=fmnist n=12000 out="$sub" >/dev/null
args=(data=fmnist subset="$sub" epochs=3 warmup=1 start_cont=0 threads=2 "$@")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq 1 "$rounds"); do
  for side in old new; do
    if [ $side = old ]; then bin=$old_bin script=$old_script; else bin=$new_bin script=$new_script; fi
    "$bin" run "$script" "${args[@]}" out="$tmp/$side$r" >/dev/null 2>&1
    python3 - "$tmp/$side$r/log.csv" "$side" "$r" "$bin" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(json.dumps({"bench": "coreg_epoch", "side": sys.argv[2], "round": int(sys.argv[3]), "binary": sys.argv[4],
                  "seconds": [round(float(r["seconds"]), 3) for r in rows],
                  "partial0": [r.get("partial0", "") for r in rows], "acc": [r["acc"] for r in rows]}), flush=True)
PY
  done
done

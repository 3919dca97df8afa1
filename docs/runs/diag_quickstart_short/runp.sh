#!/usr/bin/env bash
# usage: runp.sh NAME SUBSET args...   (partial CE)
cd /work/main
name=$1; sub=$2; shift 2
BIN=${BIN:-/work/bin/coreg-new2}
$BIN run scripts/baselines/partial_ce.coreg data=embedded annotations=simulated subset=$sub model=cnn_small lr=0.05 threads=2 seed=0 out=/work/exp/$name "$@" > /work/exp/$name.log 2>&1
python3 - "$name" <<'PY'
import csv, sys
n = sys.argv[1]
r = list(csv.DictReader(open(f"/work/exp/{n}/log.csv")))
acc = " ".join("%.3f" % float(x["acc"]) for x in r)
secs = sum(float(x["seconds"]) for x in r)
print(f"{n}: {acc}  final {float(r[-1]['acc']):.4f}  ({secs:.0f} s)")
PY

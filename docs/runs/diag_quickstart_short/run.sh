#!/usr/bin/env bash
# usage: run.sh NAME args...   (Co-Reg on the quick-start subset)
cd /work/main
name=$1; shift
BIN=${BIN:-/work/bin/coreg-new2}
$BIN run scripts/coreg.coreg data=embedded annotations=simulated subset=${SUB:-out/qs_base/subset.npy} model=cnn_small epochs=${E:-8} warmup=4 lr=0.05 threads=2 seed=0 out=/work/exp/$name "$@" > /work/exp/$name.log 2>&1
python3 - "$name" <<'PY'
import csv, sys
n = sys.argv[1]
r = list(csv.DictReader(open(f"/work/exp/{n}/log.csv")))
acc = " ".join("%.3f" % float(x["acc"]) for x in r)
secs = sum(float(x["seconds"]) for x in r)
print(f"{n}: {acc}  final {float(r[-1]['acc']):.4f}  ({secs:.0f} s)")
PY

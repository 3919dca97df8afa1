#!/usr/bin/env bash
cd /work/main
common="data=fmnist subset=out/s25/fm4k.npy model=cnn_small epochs=12 warmup=4 lr=0.05 seed=0 threads=1 recipe=short reuse=true"
for spec in "$@"; do
  set -- $spec
  echo "=== grid $1 ($2) $(date +%T)"
  .build/release/coreg run scripts/ablate.coreg grid=$1 values=$2 $common out=out/s26/grid4k > out/s26/grid_$1.log 2>&1
  echo "exit $? $(date +%T)"; tail -8 out/s26/grid_$1.log
done

#!/usr/bin/env bash
# reduced-budget sensitivity grids (session 26): one thread, beside the fuzz campaign on the other core
cd /work/main
common="data=fmnist subset=out/s25/fm4k.npy model=cnn_small epochs=12 warmup=4 lr=0.05 seed=0 threads=1 recipe=short reuse=true"
for spec in ${GRIDS:-"lambda_u 1.0,0.5,2.0" "tau_div 0.3,0.7" "T 0.25,1.0" "dim 64,256" "share 0.2,0.6"}; do
  set -- $spec
  echo "=== grid $1 ($2) $(date +%T)"
  .build/release/coreg run scripts/ablate.coreg grid=$1 values=$2 $common out=out/s26/grid4k > out/s26/grid_$1.log 2>&1
  echo "exit $? $(date +%T)"; tail -8 out/s26/grid_$1.log
done

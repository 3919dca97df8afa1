#!/bin/bash
# reference runs with a given binary and script tree: ref_runs.sh BIN TREE OUT
set -u
BIN=$1; TREE=$2; OUT=$3
mkdir -p $OUT
cd $TREE
$BIN run scripts/data/make_subset.coreg data=embedded n=300 out=$OUT/s300.npy > $OUT/subset.log 2>&1
$BIN run scripts/compare.coreg data=embedded subset=$OUT/s300.npy epochs=2 warmup=1 batch=32 threads=1 out=$OUT/cmp > $OUT/cmp.log 2>&1
$BIN run scripts/coreg.coreg data=embedded subset=$OUT/s300.npy epochs=4 warmup=1 start_cont=0 batch=32 threads=1 out=$OUT/late > $OUT/late.log 2>&1
$BIN run scripts/coreg.coreg data=embedded subset=$OUT/s300.npy epochs=3 warmup=1 start_cont=0 batch=32 threads=1 annotations=flip:q=0.1,eta=0.2 fewshot=2 no_copl=true out=$OUT/late_flip > $OUT/late_flip.log 2>&1
$BIN run scripts/tests/coreg_resume.coreg out=$OUT/resume > $OUT/resume.log 2>&1
echo done > $OUT/DONE

#!/usr/bin/env bash
# Co-Reg must do what it is for: on a small synthetic noisy-partial-label task whose errors follow
# the images (scripts/data/make_synthetic.coreg: 2,000 blob images, 8 classes, η ≈ 27%, each
# image's prompts sharing one answer half the time), Co-Reg must beat partial CE by MARGIN points in
# the median test accuracy of the last 5 of 30 epochs, and its division must find the clean
# samples (𝒫's candidate sets hold the true class more often than the whole set's do, by 5 points).
# A Co-Reg with no purification at all (targets that are just the candidate sets and a random
# division), or one whose training collapses at this budget (the paper's recipe), ends within
# 1.5 points of partial CE or under it; partial CE memorises the wrong sets as it trains.
#
# The margin comes from measurements (docs/results.md, "A synthetic task"): generator seeds 0–4
# gave Co-Reg leads of 4.5–6.25 points; the test asks for about half the smallest.
#   scripts/tests/behaviour.sh        (BIN overrides .build/release/coreg; SEED the generator's seed;
#                                      COREG_ARGS Co-Reg's recipe, default recipe=short)
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=${BIN:-.build/release/coreg}
seed=${SEED:-0}
MARGIN=${MARGIN:-2.5}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass+1)); echo "ok $1"; }
bad() { fail=$((fail+1)); echo "FAIL $1"; }

if ! "$bin" run scripts/data/make_synthetic.coreg seed="$seed" out="$tmp/syn" >"$tmp/gen.log" 2>&1; then
  cat "$tmp/gen.log"; echo "behaviour: 0 passed, 1 failed"; exit 1
fi
A="data=$tmp/syn/data.npz annotations=$tmp/syn/ann.npz model=mlp epochs=30 lr=0.05 seed=0 threads=1"
# shellcheck disable=SC2086
"$bin" run scripts/baselines/partial_ce.coreg $A out="$tmp/pce" >"$tmp/pce.log" 2>&1 || { bad "partial CE exited $?"; tail -5 "$tmp/pce.log"; }
# shellcheck disable=SC2086
"$bin" run scripts/coreg.coreg $A warmup=5 ${COREG_ARGS:-recipe=short} out="$tmp/coreg" >"$tmp/coreg.log" 2>&1 || { bad "Co-Reg exited $?"; tail -5 "$tmp/coreg.log"; }

# median of a column over the last 5 rows of a log.csv
med5() {
  awk -F, -v n="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next } c { v[NR] = $c; last = NR }
    END { k = 0; for (r = last - 4; r <= last; r++) if (r > 1) a[k++] = v[r]
          for (i = 0; i < k; i++) for (j = i + 1; j < k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
          if (k) print a[int(k / 2)] }' "$1"
}
if [ -f "$tmp/pce/log.csv" ] && [ -f "$tmp/coreg/log.csv" ]; then
  p=$(med5 "$tmp/pce/log.csv" acc); c=$(med5 "$tmp/coreg/log.csv" acc)
  if awk -v c="$c" -v p="$p" -v m="$MARGIN" 'BEGIN { exit !(c * 100 >= p * 100 + m) }'; then
    ok "Co-Reg $c against partial CE $p (median of the last 5 epochs; needs +$MARGIN points)"
  else
    bad "Co-Reg $c against partial CE $p (median of the last 5 epochs): not $MARGIN points ahead"
  fi
  # the division: 𝒫's precision (share of 𝒫 whose set holds the true class) above the data's
  eta=$(grep -o 'noise rate η *[0-9.]*%' "$tmp/coreg.log" | head -1 | grep -o '[0-9.]*%' | tr -d %)
  prec=$(med5 "$tmp/coreg/log.csv" partial_precision0)
  if [ -n "$eta" ] && [ -n "$prec" ] && awk -v q="$prec" -v e="$eta" 'BEGIN { exit !(q * 100 >= (100 - e) + 5) }'; then
    ok "the division: 𝒫 precision $prec against $(awk -v e="$eta" 'BEGIN { print (100 - e) / 100 }') for all samples"
  else
    bad "the division: 𝒫 precision '$prec' is not 5 points above the data's (η '$eta'%)"
  fi
else
  bad "no log.csv to compare"
fi
echo "behaviour: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

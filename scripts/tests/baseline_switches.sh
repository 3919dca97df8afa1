#!/usr/bin/env bash
# Each method's distinguishing part must change its numbers: for every method, a short run with
# the part on and one with it off (same seed, 300 embedded images, 3 epochs, batch 32, 1 thread)
# must log different training losses at the last epoch. A method whose part is a no-op (as ALIM's
# λ once was, matching PiCO at every epoch) fails here. CC and partial CE are a loss alone and
# have no part to switch off.
#   scripts/tests/baseline_switches.sh        (BIN overrides .build/release/coreg)
# Prints `ok`/`FAIL` per method and `switches: N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=${BIN:-.build/release/coreg}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$bin" run scripts/data/make_subset.coreg data=embedded n=300 out="$tmp/s.npy" >/dev/null 2>&1 || { echo "FAIL subset"; echo "switches: 0 passed, 1 failed"; exit 1; }
A="data=embedded subset=$tmp/s.npy epochs=3 batch=32 threads=1"
pass=0; fail=0
# NAME  SCRIPT  ON-ARGS  OFF-ARGS   (what "off" removes)
cases=(
  "proden|baselines/proden.coreg||update=false"                        # the confidence update
  "rc|baselines/rc.coreg||update=false"                                # the confidence re-estimation
  "cavl|baselines/cavl.coreg||update=false"                            # the CAV label selection
  "lwc|baselines/lw.coreg|loss=lwc|loss=lwc update=false"              # the weight re-estimation
  "lws|baselines/lw.coreg|loss=lws|loss=lws beta=0"                    # the non-candidate term
  "cr_dpll|baselines/cr_dpll.coreg|ramp=1|ramp=1 lam=0"                # the consistency regulariser
  "kd|baselines/kd.coreg||soft=false"                                  # the annotator's soft labels
  "irnet|baselines/irnet.coreg|correct_start=1|correct_start=1000"     # detection and correction
  "pico|baselines/pico.coreg||prot_start=1000"                         # the prototype disambiguation
  "alim_onehot|baselines/pico.coreg|alim=onehot|alim=onehot alim_lambda=0"   # ALIM's λ
  "alim_scale|baselines/pico.coreg|alim=scale|alim=scale alim_lambda=0"
  "papi|baselines/papi.coreg||alpha_weight=0"                          # the prototype alignment
  "pico_plus|baselines/pico_plus.coreg|prot_start=1|prot_start=1000"   # reliable-set selection
  "dividemix|baselines/dividemix.coreg|warmup=1|warmup=1 p_threshold=0" # the division into clean and noisy
  "coreg|coreg.coreg|warmup=1 start_cont=0|warmup=1 start_cont=0 no_proto=true"   # the prototypes
)
for c in "${cases[@]}"; do
  IFS='|' read -r name script on off <<<"$c"
  # shellcheck disable=SC2086
  "$bin" run "scripts/$script" $A $on out="$tmp/$name-on" >"$tmp/$name-on.log" 2>&1; r1=$?
  # shellcheck disable=SC2086
  "$bin" run "scripts/$script" $A $off out="$tmp/$name-off" >"$tmp/$name-off.log" 2>&1; r2=$?
  if [ $r1 -ne 0 ] || [ $r2 -ne 0 ]; then fail=$((fail+1)); echo "FAIL $name: exit $r1/$r2"; tail -5 "$tmp/$name-on.log" "$tmp/$name-off.log"; continue; fi
  col=loss; case $name in coreg|dividemix) col=loss0 ;; esac
  a=$(awk -F, -v n=$col 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next } c { v = $c } END { print v }' "$tmp/$name-on/log.csv")
  b=$(awk -F, -v n=$col 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next } c { v = $c } END { print v }' "$tmp/$name-off/log.csv")
  if [ -n "$a" ] && [ "$a" != "$b" ]; then pass=$((pass+1)); echo "ok $name ($col $a with, $b without: $off)"; else fail=$((fail+1)); echo "FAIL $name: '$off' leaves $col at '$a'"; fi
done
echo "switches: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

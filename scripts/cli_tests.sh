#!/usr/bin/env bash
# End-to-end checks of the `coreg` binary: exit codes and output of the CLI contract.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/coreg
pass=0; fail=0
check() {  # check NAME EXPECTED_RC COMMAND... ; stdout+stderr in $out
  local name=$1 want=$2; shift 2
  out=$("$@" 2>&1); local rc=$?
  if [ "$rc" -eq "$want" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $name: rc $rc, want $want"; echo "$out" | head -20; fi
}
expect_text() {  # expect_text NAME PATTERN
  if grep -qE -- "$2" <<<"$out"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $1: output lacks /$2/"; echo "$out" | head -20; fi
}
check version 0 $bin --version;            expect_text version-text '^[0-9]+\.[0-9]+\.[0-9]+'
check help 0 $bin --help;                  expect_text help-text 'USAGE'
check bad-flag 64 $bin --no-such-flag
check demo 0 $bin demo --steps 60;         expect_text demo-text 'accuracy'
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
check tour 0 bash -c "cd '$tmp' && '$PWD/$bin' run '$PWD/scripts/tour.coreg'"; expect_text tour-text 'fitted a ='
check notebook-md 0 $bin notebook scripts/notebooks/intro.coreg -o "$tmp/intro.md"; expect_text notebook-text 'wrote .*intro.md'
check notebook-missing 66 $bin notebook "$tmp/no-such-notebook.coreg"
# coreg kernel: a located error and exit code for a missing or malformed connection file; the
# kernelspec's install / list / remove (the kernel itself: scripts/tests/jupyter.sh)
check kernel-no-file 64 $bin kernel
check kernel-missing 66 $bin kernel -f "$tmp/none.json"; expect_text kernel-missing-text 'none\.json: cannot read the connection file'
printf '{"shell_port": 5000}' > "$tmp/conn.json"
check kernel-bad-conn 65 $bin kernel -f "$tmp/conn.json"; expect_text kernel-bad-conn-text "conn\.json: 'iopub_port' must be a port number"
# a port already taken: exit 70 naming the endpoint (the kernel binds five; the shell port is held here)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
python3 -c 'import socket, sys, time; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(30)' "$port" & holder=$!
sleep 0.5
printf '{"shell_port": %d, "iopub_port": %d, "stdin_port": %d, "control_port": %d, "hb_port": %d, "ip": "127.0.0.1", "key": "k", "transport": "tcp", "signature_scheme": "hmac-sha256"}' \
  "$port" $((port + 1)) $((port + 2)) $((port + 3)) $((port + 4)) > "$tmp/busy.json"
check kernel-port-busy 70 $bin kernel -f "$tmp/busy.json"; expect_text kernel-port-busy-text "cannot bind tcp://127\.0\.0\.1:$port"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
check kernel-install 0 env JUPYTER_PATH="$tmp/k/share/jupyter" $bin kernel install --prefix "$tmp/k" --name coreg-t
if python3 -c "import json,sys; k=json.load(open(sys.argv[1])); assert k['argv'][1:] == ['kernel', '-f', '{connection_file}'] and k['language'] == 'coreg' and k['interrupt_mode'] == 'signal'" "$tmp/k/share/jupyter/kernels/coreg-t/kernel.json" 2>/dev/null \
   && [ -s "$tmp/k/share/jupyter/kernels/coreg-t/logo-64x64.png" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL kernel-spec: $(cat "$tmp/k/share/jupyter/kernels/coreg-t/kernel.json" 2>&1)"; fi
check kernel-list 0 env JUPYTER_PATH="$tmp/k/share/jupyter" $bin kernel list; expect_text kernel-list-text "coreg-t +$tmp/k/share/jupyter/kernels/coreg-t"
check kernel-remove 0 env JUPYTER_PATH="$tmp/k/share/jupyter" $bin kernel remove coreg-t
if [ ! -e "$tmp/k/share/jupyter/kernels/coreg-t" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL kernel-removed"; fi
check kernel-remove-missing 66 env JUPYTER_PATH="$tmp/k/share/jupyter" $bin kernel remove coreg-t
# coreg check: parse and resolve only (0), a located syntax error (65), a missing file (66)
check check-ok 0 $bin check scripts/coreg.coreg
printf 'let x = (1 +\n' > "$tmp/bad.coreg"
check check-bad 65 $bin check "$tmp/bad.coreg"; expect_text check-bad-text 'bad\.coreg:2:1: error: '
check check-missing 66 $bin check "$tmp/none.coreg"
# coreg data preview writes a PNG grid; an unknown dataset is a usage error naming the choices
check data-preview 0 $bin data preview embedded -o "$tmp/preview.png" --samples 3; expect_text data-preview-text 'wrote .*preview\.png: 3 samples'
if [ "$(head -c 8 "$tmp/preview.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL data-preview-png: not a PNG"; fi
check data-preview-unknown 64 $bin data preview nodata -o "$tmp/p2.png"; expect_text data-preview-unknown-text "unknown dataset 'nodata'; expected one of embedded"
# coreg annotate tune reaches its targets on a small balanced subset in one round
check annot-tune 0 $bin annotate tune --data embedded --balanced 500 --rounds 1; expect_text annot-tune-text 'reached: avg \|S\| 1\.[456][0-9], eta 0\.2[0-9]+, template-0 acc 0\.[56][0-9]+'
# a file that cannot be written exits 74 (EX_IOERR) naming it; a missing input 66; malformed JSON 65
printf 'io.write_json("%s/no-such-dir/x.json", {a: 1})\n' "$tmp" > "$tmp/w.coreg"
check write-fails 74 $bin run "$tmp/w.coreg"; expect_text write-fails-text 'w\.coreg:1:4: error: .*no-such-dir/x\.json: cannot create temporary file'
printf 'io.read_json("%s/none.json")\n' "$tmp" > "$tmp/r.coreg"
check read-json-missing 66 $bin run "$tmp/r.coreg"; expect_text read-json-missing-text 'none\.json: cannot open: No such file'
printf '{"a": [1, 2' > "$tmp/torn.json"; printf 'io.read_json("%s/torn.json")\n' "$tmp" > "$tmp/r2.coreg"
check read-json-torn 65 $bin run "$tmp/r2.coreg"; expect_text read-json-torn-text 'torn\.json: expected a JSON document, found malformed JSON'
# a script stopped by SIGINT exits 130 and says so
printf 'var i = 0\nwhile true { i += 1 }\n' > "$tmp/loop.coreg"
$bin run "$tmp/loop.coreg" >"$tmp/loop.out" 2>&1 & loop_pid=$!
sleep 1; kill -INT "$loop_pid"; wait "$loop_pid"; loop_rc=$?
if [ "$loop_rc" = 130 ] && grep -q 'Interrupted' "$tmp/loop.out"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL run-interrupted: rc $loop_rc, $(cat "$tmp/loop.out")"; fi
# coreg annotate: make / stats (JSON), located errors with exit codes 65 (format) and 66 (missing).
tmpd="$tmp"
check annot-make 0 $bin annotate make --data embedded --annotator flip:q=0.05,eta=0.2 --out "$tmpd/a.npz" --json
expect_text annot-make-json '"noise_rate": 0\.[12]'
check annot-stats 0 $bin annotate stats "$tmpd/a.npz" --data embedded --json
expect_text annot-stats-json '"avg_candidates": 1\.4'
check annot-sim 0 $bin annotate make --data embedded --out "$tmpd/s.npz"
expect_text annot-sim-text 'zero-shot acc t0'
check annot-sim-stats 0 $bin annotate stats "$tmpd/s.npz" --data embedded --json
expect_text annot-sim-stats-json 'zero_shot_acc_template0'
check annot-missing 66 $bin annotate stats "$tmpd/none.npz" --data embedded
expect_text annot-missing-text 'none\.npz'
printf 'junk' > "$tmpd/bad.npz"
check annot-bad 65 $bin annotate stats "$tmpd/bad.npz" --data embedded
expect_text annot-bad-text 'bad\.npz'
check annot-mismatch 65 $bin annotate stats "$tmpd/a.npz" --data embedded --balanced 500
expect_text annot-mismatch-text 'candidates.*500 rows'
check annot-bad-param 64 $bin annotate make --data embedded --annotator flip:p=0.1 --out "$tmpd/x.npz"
check annot-pico 0 $bin annotate make --data embedded --annotator pico:q=0.1 --out "$tmpd/p.npz" --json
expect_text annot-pico-json '"noise_rate": 0\.0,'
check annot-bad-annotator 64 $bin annotate make --data embedded --annotator vote --out "$tmpd/x.npz"
expect_text annot-bad-annotator-text "unknown annotator 'vote'; expected one of simulated, flip, pico, instance"
check data-bad-name 64 $bin data info cifra10:/tmp; expect_text data-bad-name-text "unknown dataset 'cifra10'; expected one of embedded, fmnist"
check data-list 0 $bin data list --json; expect_text data-list-json '"name": "gtsrb"'
check coreg-bad-data 64 $bin run scripts/coreg.coreg data=cifra10:/tmp epochs=1 out="$tmpd/bad"; expect_text coreg-bad-data-text "unknown dataset 'cifra10'"
check pce-bad-annotator 64 $bin run scripts/baselines/partial_ce.coreg annotations=simulatd epochs=1 out="$tmpd/bad"; expect_text pce-bad-annotator-text "unknown annotator 'simulatd'"
# one annotator spec: `annotate make --subset S` writes exactly the candidate sets a script gets from
# annotations=SPEC subset=S (the simulated annotator fitted on the whole split, flips drawn per subset sample)
check subset-300 0 $bin run scripts/data/make_subset.coreg data=embedded n=300 seed=3 out="$tmpd/s300a.npy"
for spec in simulated flip:q=0.1,eta=0.2 instance:q=0.2; do
  f="$tmpd/ann_${spec%%:*}.npz"
  check "annot-make-subset-${spec%%:*}" 0 $bin annotate make --data embedded --annotator "$spec" --subset "$tmpd/s300a.npy" --seed 2 --out "$f"
  check "annot-same-${spec%%:*}" 0 $bin run scripts/tests/annotations_equal.coreg data=embedded subset="$tmpd/s300a.npy" seed=2 a="$spec" b="$f"
  expect_text "annot-same-${spec%%:*}-text" '300 identical candidate sets'
done
# … and the check can fail: a different seed gives different flips
check annot-differ 70 $bin run scripts/tests/annotations_equal.coreg data=embedded subset="$tmpd/s300a.npy" seed=5 a=flip:q=0.1,eta=0.2 b="$tmpd/ann_flip.npz"
expect_text annot-differ-text 'entries differ' 
# the method script end to end: a tiny run, stopped and resumed, gives identical numbers
check coreg-resume 0 $bin run scripts/tests/coreg_resume.coreg out="$tmp/resume"; expect_text coreg-resume-text 'are identical'
check partial-ce 0 $bin run scripts/baselines/partial_ce.coreg subset="$tmp/resume/subset.npy" epochs=1 out="$tmp/pce"; expect_text partial-ce-text 'final test accuracy'
# the method scripts learn: 3 epochs on these 400 images reach 0.221 (partial CE) and 0.2455 (Co-Reg,
# the resume test's straight run), against 0.144 and 0.102 with lr=0 (docs/runs/learning_bounds_2026-12-07.txt);
# a run that does not learn fails
acc_of() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['final_test_acc'])" "$1" 2>/dev/null || echo 0; }
check partial-ce-3 0 $bin run scripts/baselines/partial_ce.coreg subset="$tmp/resume/subset.npy" epochs=3 out="$tmp/pce3"
for pair in "partial-ce-learns:$tmp/pce3/results.json" "coreg-learns:$tmp/resume/straight/results.json"; do
  a=$(acc_of "${pair#*:}")
  if awk -v a="$a" 'BEGIN { exit !(a >= 0.2) }'; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL ${pair%%:*}: final test accuracy $a < 0.2 (chance 0.1)"; fi
done
# the training view: strong is accepted and changes the run; an unknown view names the choices
check partial-ce-strong 0 $bin run scripts/baselines/partial_ce.coreg subset="$tmp/resume/subset.npy" epochs=1 view=strong out="$tmp/pce_strong"
# one column of a log.csv by name (empty when the column is missing)
csv_col() { awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next } c { print $c }' "$1"; }
if [ -n "$(csv_col "$tmp/pce/log.csv" loss)" ] && [ "$(csv_col "$tmp/pce/log.csv" loss)" != "$(csv_col "$tmp/pce_strong/log.csv" loss)" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL partial-ce-strong-differs: the strong view gave the weak view's training loss"; fi
check partial-ce-bad-view 70 $bin run scripts/baselines/partial_ce.coreg epochs=1 view=bogus out="$tmp/pce_bad"; expect_text partial-ce-bad-view-text 'views are "weak", "strong" or "test", got "bogus"'
# every method of the comparison, 2 epochs on 300 images, through one compare.coreg run
check make-subset 0 $bin run scripts/data/make_subset.coreg data=embedded n=300 out="$tmp/s300.npy"; expect_text make-subset-text '300 of 10000 training indices \(30 per class\)'
check compare-all 0 $bin run scripts/compare.coreg data=embedded subset="$tmp/s300.npy" epochs=2 warmup=1 batch=32 threads=1 out="$tmp/cmp"
expect_text compare-zero-shot '\| Zero-shot \(annotator, template 0\) \| [0-9.]+% \| – \| – \|'
expect_text compare-versus 'Co-Reg [0-9.]+% against the best baseline, '
rows=$(grep -cE '^\| [^M-][^|]* \| \**[0-9.]+%' "$tmp/cmp/compare.md" 2>/dev/null)
if [ "$rows" = 19 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL compare-rows: $rows rows, want 17 methods + 2 zero-shot"; cat "$tmp/cmp/compare.md"; fi
for m in coreg partial_ce proden cc rc lwc lws cavl pico cr_dpll papi pico_plus irnet alim_onehot alim_scale kd dividemix; do
  if [ -s "$tmp/cmp/$m/results.json" ] && [ -s "$tmp/cmp/$m/log.csv" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL compare-$m: no results.json/log.csv"; fi
done
# resuming: reuse=true reads back every finished method (nothing is retrained); a changed argument
# does not match; run_missing=false tabulates what exists and lists the rest
A="data=embedded subset=$tmp/s300.npy epochs=2 warmup=1 batch=32 threads=1 out=$tmp/cmp reuse=true"
check compare-reuse 0 $bin run scripts/compare.coreg methods=cc,rc,pico $A
expect_text compare-reuse-cc '==== cc: reusing .*/cc/results.json'
if grep -qE '^==== [a-z_]+ → ' <<<"$out"; then fail=$((fail+1)); echo "FAIL compare-reuse-nothing-run: a method was rerun"; else pass=$((pass+1)); fi
check compare-only-existing 0 $bin run scripts/compare.coreg methods=cc,rc $A lr=0.02 run_missing=false
expect_text compare-only-existing-text 'Not run yet: CC, RC\.'
# ablation grids: the Table 4 switches, and a share of a given subset
check ablate-switches 0 $bin run scripts/ablate.coreg grid=switches data=embedded subset="$tmp/s300.npy" epochs=2 warmup=1 start_cont=0 batch=32 threads=1 out="$tmp/abl"
expect_text ablate-switches-table '\| no_unlabeled \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|'
check ablate-share 0 $bin run scripts/ablate.coreg grid=share values=0.5,1.0 data=embedded subset="$tmp/s300.npy" epochs=2 warmup=1 batch=32 threads=1 out="$tmp/abl"
expect_text ablate-share-zero-shot 'annotator zero-shot \(template 0, test images\): [0-9.]+'; expect_text ablate-share-half 'Co-Reg on embedded: 150 training and'
# a grid spread over sessions: a row killed (SIGKILL) mid-run resumes from its checkpoint with reuse=true
# and ends with the uninterrupted row's numbers; a finished row is read back, not rerun
AB="grid=switches values=no_proto data=embedded subset=$tmp/s300.npy epochs=6 warmup=1 start_cont=0 batch=32 threads=1"
check ablate-whole 0 $bin run scripts/ablate.coreg $AB out="$tmp/abl_whole"
setsid $bin run scripts/ablate.coreg $AB reuse=true out="$tmp/abl_cut" >"$tmp/abl_cut.log" 2>&1 & cut_pid=$!
for _ in $(seq 600); do [ "$(csv_col "$tmp/abl_cut/switches_no_proto/log.csv" epoch 2>/dev/null | wc -l)" -ge 3 ] && break; sleep 0.1; done
kill -9 -- -"$cut_pid" 2>/dev/null; wait "$cut_pid" 2>/dev/null
cut_epochs=$(csv_col "$tmp/abl_cut/switches_no_proto/log.csv" epoch | wc -l)
check ablate-resume 0 $bin run scripts/ablate.coreg $AB reuse=true out="$tmp/abl_cut"
expect_text ablate-resume-text "resumed from its last checkpoint"; expect_text ablate-resume-epoch "resumed from .* at epoch [2-5]"
if [ "$cut_epochs" -ge 3 ] && [ "$cut_epochs" -lt 6 ] \
   && [ "$(csv_col "$tmp/abl_cut/switches_no_proto/log.csv" acc | tr '\n' ' ')" = "$(csv_col "$tmp/abl_whole/switches_no_proto/log.csv" acc | tr '\n' ' ')" ]; then pass=$((pass+1))
else fail=$((fail+1)); echo "FAIL ablate-resume-same: cut after $cut_epochs epochs; accuracies $(csv_col "$tmp/abl_cut/switches_no_proto/log.csv" acc | tr '\n' ' ') against $(csv_col "$tmp/abl_whole/switches_no_proto/log.csv" acc | tr '\n' ' ')"; fi
check ablate-reuse 0 $bin run scripts/ablate.coreg $AB reuse=true out="$tmp/abl_cut"; expect_text ablate-reuse-text "no_proto: reusing"
# the view grid: Co-Reg on weak views trains differently from the paper's strong views; a bad view is refused
check ablate-view 0 $bin run scripts/ablate.coreg grid=view data=embedded subset="$tmp/s300.npy" epochs=2 warmup=1 batch=32 threads=1 out="$tmp/abl"
expect_text ablate-view-table '\| weak \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|'
if [ -n "$(csv_col "$tmp/abl/view_weak/log.csv" loss0)" ] && [ "$(csv_col "$tmp/abl/view_weak/log.csv" loss0)" != "$(csv_col "$tmp/abl/view_strong/log.csv" loss0)" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL ablate-view-differs: weak views gave the strong views' training loss"; fi
# 𝒰 is drawn afresh each time it runs out (no batch repeats the one a pass earlier) and was used
check coreg-upass 0 $bin run scripts/coreg.coreg data=embedded subset="$tmp/s300.npy" epochs=3 warmup=1 batch=32 threads=1 fewshot=20 out="$tmp/upass"   # 𝒫 ≈ 240, 𝒰 ≈ 60: 𝒰 runs out 7 times an epoch
rep=$(csv_col "$tmp/upass/log.csv" u_repeat0 | grep -v '^$' | sort -u | tr '\n' ' '); pu=$(csv_col "$tmp/upass/log.csv" pacc_u0 | grep -v '^$' | tail -1)
if [ "$rep" = "0.0 " ] && [ -n "$pu" ] && [ "$pu" != "0.0" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL coreg-upass-fresh: u_repeat0 '$rep', pacc_u0 '$pu'"; fi
# co-division and co-pseudo-labelling are separate switches: each changes the run on its own
for sw in full no_codivide no_copl; do
  check "coreg-$sw" 0 $bin run scripts/coreg.coreg data=embedded subset="$tmp/s300.npy" epochs=2 warmup=1 batch=32 threads=1 $([ $sw = full ] || echo $sw=true) out="$tmp/$sw"
done
a=$(csv_col "$tmp/full/log.csv" lx0 | sed -n 2p); b=$(csv_col "$tmp/no_codivide/log.csv" lx0 | sed -n 2p); c=$(csv_col "$tmp/no_copl/log.csv" lx0 | sed -n 2p)
if [ -n "$a" ] && [ "$a" != "$b" ] && [ "$a" != "$c" ] && [ "$b" != "$c" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL coreg-switches-differ: lx0 full '$a', no_codivide '$b', no_copl '$c'"; fi
# the smooth switch blends L_warm into the first Co-Reg epoch (switch_epochs=1); the paper's hard switch has none
check coreg-switch 0 $bin run scripts/coreg.coreg data=embedded subset="$tmp/s300.npy" epochs=2 warmup=1 batch=32 threads=1 switch_epochs=1 out="$tmp/switch"
lw=$(csv_col "$tmp/switch/log.csv" lwarm0 | sed -n 2p); lf=$(csv_col "$tmp/full/log.csv" lwarm0 | sed -n 2p)
l2=$(csv_col "$tmp/switch/log.csv" loss0 | sed -n 2p); l1=$(csv_col "$tmp/full/log.csv" loss0 | sed -n 2p)
if [ -n "$lw" ] && [ "$lw" != "0.0" ] && [ "$lf" = "0.0" ] && [ -n "$l1" ] && [ "$l1" != "$l2" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL coreg-switch-blends: lwarm0 '$lw' (hard switch '$lf'), loss0 '$l2' vs '$l1'"; fi
# the run contract's schedule: "run" anneals over the run's own epochs (lr·0.001 at the last), for every method alike
check pce-schedule-run 0 $bin run scripts/baselines/partial_ce.coreg subset="$tmp/s300.npy" epochs=3 batch=32 threads=1 schedule=run out="$tmp/pce_run"
lr_last=$(csv_col "$tmp/pce_run/log.csv" lr | tail -1)
if awk -v v="$lr_last" 'BEGIN { exit !(v > 0.0000099 && v < 0.0000101) }'; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL pce-schedule-run-lr: last lr '$lr_last', want 1e-05"; fi
check coreg-bad-schedule 70 $bin run scripts/coreg.coreg epochs=1 schedule=step out="$tmp/cbad"; expect_text coreg-bad-schedule-text 'schedule must be "paper" or "run", got "step"'
check coreg-bad-view 70 $bin run scripts/coreg.coreg epochs=1 view=test out="$tmp/cbad"; expect_text coreg-bad-view-text 'view must be "strong" or "weak", got "test"'
check ablate-bad-grid 70 $bin run scripts/ablate.coreg grid=nope out="$tmp/abl"; expect_text ablate-bad-grid-text "unknown grid 'nope'"
# the Quick start's main job, shrunk: its three-row table
check quickstart-tiny 0 $bin run scripts/quickstart.coreg train=300 epochs=2 warmup=1 threads=1 out="$tmp/qs"
expect_text quickstart-zero-shot '\| annotator zero-shot \(template 0, test images\) \| 0\.[0-9]{4} \|'
expect_text quickstart-pce '\| partial-CE training \| 0\.[0-9]{4} \| 0\.[0-9]{4} \|'
expect_text quickstart-coreg '\| Co-Reg \(ensemble, recipe=short\) \| 0\.[0-9]{4} \| 0\.[0-9]{4} \|'
check coreg-bad-recipe 70 $bin run scripts/coreg.coreg epochs=1 recipe=fast out="$tmp/cbad"; expect_text coreg-bad-recipe-text 'recipe must be "paper" or "short", got "fast"'
# results.json records the settings that change the numbers
if grep -q '"annotator" : "simulated:fmnist-clip"' "$tmp/pce/results.json" && tr -d ' \n' < "$tmp/pce/results.json" | grep -q '"input":\[1,28,28\]' \
   && grep -q '"view" : "weak"' "$tmp/pce/results.json" && grep -q '"threads" : [1-9]' "$tmp/pce/results.json"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL results-config: $(cat "$tmp/pce/results.json")"; fi
# every `coreg bench` command's --json lines follow the schema (tiny sizes: a seconds-long check, not a measurement)
bench_json() {  # bench_json KIND ARGS...
  local kind=$1; shift
  if $bin bench "$kind" "$@" --threads 1 --json 2>/dev/null | python3 scripts/tests/bench_json.py "$kind" >/dev/null; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL bench-json-$kind"; fi
}
bench_json gemm --m 40 --n 33 --k 17 --repeats 2
bench_json conv --batch 2 --repeats 1
bench_json train --batch 4 --steps 1 --warmup 0
bench_json loader --data embedded --batches 2 --warmup 0 --no-train
bench_json interp --steps 2 --repeats 1 --iterations 1000
COREG_ISA=avx2 $bin bench gemm --m 40 --n 33 --k 17 --repeats 1 --json > "$tmp/isa.json" 2>/dev/null
if grep -q '"isa":"avx2"' "$tmp/isa.json"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL bench-isa-override: $(cat "$tmp/isa.json")"; fi
echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# End-to-end test of every dataset format through the CLI. For each format the loader knows
# (fmnist, mnist, kmnist, cifar10, cifar100, svhn, eurosat, fer2013, gtsrb, npz, folder)
# scripts/tests/gen_datasets.py writes a tiny set in the publisher's layout plus, where the
# training split is the file order, an annotation .npz as a user with their own VLM labels would;
# the randomly split sets (and kmnist, to cover both paths) are annotated with
# `coreg annotate make`. Then scripts/coreg.coreg and scripts/baselines/partial_ce.coreg train on
# each for two epochs, and each run must end with OUT/results.json whose config.input is the
# data's [C, H, W] after the dataset's preset. Misspelled dataset and annotator names must be
# refused with exit status 64 and a message naming the known ones.
#
#   scripts/tests/datasets_e2e.sh
#   BIN=/tmp/old/coreg SCRIPTS_ROOT=/tmp/oldtree scripts/tests/datasets_e2e.sh
#
# BIN           the coreg binary (default .build/release/coreg)
# SCRIPTS_ROOT  the tree holding scripts/coreg.coreg and scripts/baselines/ (default: this repository)
# E2E_DATASETS  a comma-separated subset of the dataset names (default: all)
# E2E_KEEP=1    keep the work directory (generated data, annotations, run outputs)
#
# Prints `ok NAME` or `FAIL NAME: reason` (then the first 20 lines of the command's output,
# stderr first) for each check, and last `e2e: N passed, M failed`; exits 0 only when M = 0.
# Python (numpy, scipy, Pillow) comes from a virtual environment in .build/venv-e2e, made once.
set -uo pipefail
caller=$PWD
cd "$(dirname "$0")/../.."
root=$PWD

abspath() {  # a path given relative to the caller's directory, made absolute
  case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$caller/$1" ;; esac
}
if [ -n "${BIN:-}" ]; then
  case $BIN in */*) BIN=$(abspath "$BIN") ;; esac   # a bare name is looked up on PATH
else
  BIN=$root/.build/release/coreg
fi
SCRIPTS_ROOT=$(abspath "${SCRIPTS_ROOT:-$root}")
VENV=$root/.build/venv-e2e
PY=$VENV/bin/python

pass=0; fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
bad() {  # bad NAME REASON [OUTPUT]
  echo "FAIL $1: $2"
  if [ -n "${3:-}" ]; then printf '%s\n' "$3" | head -20; fi
  fail=$((fail + 1))
}
finish() { echo "e2e: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

# run COMMAND...: sets $rc and $out (stderr, then stdout: the error message comes first).
run() {
  local e o
  e=$(mktemp "$work/stderr.XXXXXX"); o=$(mktemp "$work/stdout.XXXXXX")
  "$@" >"$o" 2>"$e"; rc=$?
  out=$(cat "$e" "$o"); rm -f "$e" "$o"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/coreg-datasets-e2e.XXXXXX")
if [ "${E2E_KEEP:-0}" = 1 ]; then
  echo "datasets_e2e: keeping $work" >&2
else
  trap 'rm -rf "$work"' EXIT
fi

# ---- the binary, Python and the generated data ----
if ! command -v "$BIN" >/dev/null 2>&1; then
  bad binary "$BIN is not an executable (build it with swift build -c release, or set BIN)"
  finish
fi

ensure_venv() {  # output goes to $work/venv.log
  if [ -x "$PY" ] && "$PY" -c 'import numpy, scipy, PIL' 2>/dev/null; then return 0; fi
  if [ -x "$PY" ] && ! "$PY" -m pip --version >/dev/null 2>&1; then rm -rf "$VENV"; fi  # a half-made one
  if [ ! -x "$PY" ] && ! python3 -m venv "$VENV"; then
    rm -rf "$VENV"
    # Debian/Ubuntu ship venv (ensurepip) separately, in python3-venv.
    command -v apt-get >/dev/null 2>&1 || { echo "python3 -m venv failed and apt-get is not available"; return 1; }
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    echo "installing python3-venv"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv || return 1
    python3 -m venv "$VENV" || { rm -rf "$VENV"; return 1; }
  fi
  "$PY" -m pip install -q --disable-pip-version-check numpy scipy pillow || return 1
  "$PY" -c 'import numpy, scipy, PIL'
}
if ensure_venv >"$work/venv.log" 2>&1; then ok python-env; else
  bad python-env "could not make $VENV with numpy, scipy and pillow" "$(cat "$work/venv.log")"
  finish
fi

sets=$work/sets
"$BIN" data list --json > "$work/registry.json"
run "$PY" "$root/scripts/tests/gen_datasets.py" "$sets" "$work/registry.json"
if [ "$rc" -eq 0 ] && [ -s "$sets/manifest.json" ]; then ok generate; else
  bad generate "gen_datasets.py exited $rc" "$out"
  finish
fi

# mget NAME KEY: a field of the manifest entry NAME (JSON for lists, empty for null or absent).
mget() {
  "$PY" -c 'import json, sys
v = json.load(open(sys.argv[1]))[sys.argv[2]].get(sys.argv[3])
print("" if v is None else (json.dumps(v) if isinstance(v, (list, dict)) else v))' "$sets/manifest.json" "$1" "$2"
}

# ---- the datasets: NAME, the input geometry after the preset, where the annotations come from ----
# gen: the generator's file (the split is the file order); make: `coreg annotate make`.
table="
fmnist   1,28,28 gen
mnist    1,28,28 gen
kmnist   1,28,28 make
cifar10  3,32,32 gen
cifar100 3,32,32 gen
svhn     3,32,32 gen
eurosat  3,64,64 make
fer2013  1,64,64 make
gtsrb    3,64,64 gen
npz      3,24,24 gen
folder   3,40,40 make
"
only=",${E2E_DATASETS:-},"
datasets=${E2E_DATASETS:-}
for want in ${datasets//,/ }; do
  grep -qE "^$want " <<<"$table" || bad "datasets" "E2E_DATASETS names '$want'; the datasets are $(awk 'NF { printf "%s%s", s, $1; s = ", " }' <<<"$table")"
done

# check_info NAME INFO_JSON: the loader's view (data info --json) against the manifest.
check_info() {
  "$PY" - "$sets/manifest.json" "$1" "$2" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))[sys.argv[2]]
try:
    info = json.loads(sys.argv[3].strip().splitlines()[-1])
except Exception as e:
    sys.exit(f"data info --json printed no JSON object ({e})")
problems = []
if info.get("shape") != m["shape"]:
    problems.append(f"shape {info.get('shape')}, want {m['shape']}")
if len(info.get("classes", [])) != m["classes"]:
    problems.append(f"{len(info.get('classes', []))} classes, want {m['classes']}")
tr, te = info.get("train", {}), info.get("test", {})
if "train" in m:
    if tr.get("count") != m["train"]: problems.append(f"{tr.get('count')} training images, want {m['train']}")
    if te.get("count") != m["test"]: problems.append(f"{te.get('count')} test images, want {m['test']}")
    if tr.get("histogram") != m["histogram"]: problems.append(f"training histogram {tr.get('histogram')}, want {m['histogram']}")
elif (tr.get("count") or 0) + (te.get("count") or 0) != m["total"]:
    problems.append(f"{tr.get('count')} + {te.get('count')} images, want {m['total']} in all")
if problems: sys.exit("; ".join(problems))
EOF
}

# check_candidates FILE N C [LABELS_JSON]: candidates is uint8 0/1 [N, C]; with LABELS_JSON, the
# one-hot rows' argmax are exactly those labels (the loader's training order).
check_candidates() {
  "$PY" - "$@" <<'EOF'
import json, sys
import numpy as np
f, n, c = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
z = np.load(f)
if "candidates" not in z: sys.exit(f"{f} has no candidates array")
a = z["candidates"]
if a.dtype != np.uint8 or a.shape != (n, c): sys.exit(f"candidates {a.dtype} {list(a.shape)}, want uint8 [{n}, {c}]")
if len(sys.argv) > 4:
    want = np.array(json.loads(sys.argv[4]))
    if not (a.sum(axis=1) == 1).all(): sys.exit("flip:q=0,eta=0 gave sets that are not one-hot")
    got = a.argmax(axis=1)
    if not np.array_equal(got, want):
        i = int(np.flatnonzero(got != want)[0])
        sys.exit(f"training sample {i} has label {got[i]} in the loader, {want[i]} in the generated files")
EOF
}

# check_run NAME DIR C,H,W: the run ($rc, $out) exited 0 leaving DIR/results.json (check NAME),
# whose config.input is [C, H, W] (check NAME-input).
check_run() {
  local name=$1 dir=$2 want=$3
  if [ "$rc" -ne 0 ]; then bad "$name" "exit status $rc" "$out"
  elif [ ! -s "$dir/results.json" ]; then bad "$name" "no $dir/results.json" "$out"
  else ok "$name"; fi
  local why
  if [ ! -s "$dir/results.json" ]; then bad "$name-input" "no results.json"
  elif why=$("$PY" - "$dir/results.json" "[$want]" 2>&1 <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
want = json.loads(sys.argv[2])
cfg = r.get("config") if isinstance(r, dict) else None
if not isinstance(cfg, dict) or "input" not in cfg: sys.exit("results.json has no config.input")
got = cfg["input"]
if not (isinstance(got, list) and len(got) == len(want) and all(isinstance(v, (int, float)) and v == w for v, w in zip(got, want))):
    sys.exit(f"config.input is {json.dumps(got)}, want {json.dumps(want)}")
EOF
  ); then ok "$name-input"; else bad "$name-input" "$why"; fi
}

anns=$work/annotations; runs=$work/runs
mkdir -p "$anns" "$runs"
while read -r name geom mode; do
  [ -n "$name" ] || continue
  case $only in ,,) ;; *",$name,"*) ;; *) continue ;; esac
  spec=$(mget "$name" spec)

  # the loader reads the set as generated
  run "$BIN" data info "$spec" --json
  if [ "$rc" -ne 0 ]; then bad "load-$name" "data info exited $rc" "$out"; info=""
  elif why=$(check_info "$name" "$out" 2>&1); then ok "load-$name"; info=$out
  else bad "load-$name" "$why" "$out"; info=$out; fi
  n=""; c=""
  if [ -n "$info" ]; then
    read -r n c < <("$PY" -c 'import json, sys
i = json.loads(sys.argv[1].strip().splitlines()[-1]); print(i["train"]["count"], len(i["classes"]))' "$info" 2>/dev/null)
  fi

  # the training order the loader yields is the generated files' order (then the generated
  # annotations line up): flip with q = 0, eta = 0 writes the true labels as one-hot sets
  labels=$(mget "$name" train_labels)
  if [ -n "$labels" ]; then
    run "$BIN" annotate make --data "$spec" --annotator flip:q=0,eta=0 --out "$anns/$name.labels.npz"
    if [ "$rc" -ne 0 ]; then bad "order-$name" "annotate make exited $rc" "$out"
    elif why=$(check_candidates "$anns/$name.labels.npz" "$(mget "$name" train)" "$(mget "$name" classes)" "$labels" 2>&1); then ok "order-$name"
    else bad "order-$name" "$why"; fi
  fi

  # the annotations: the generated file, or annotate make for N and C from data info
  if [ "$mode" = gen ]; then
    ann=$(mget "$name" annotations)
    if [ -z "$n" ]; then bad "annotations-$name" "no training count from data info"
    elif why=$(check_candidates "$ann" "$n" "$c" 2>&1); then ok "annotations-$name"
    else bad "annotations-$name" "$why"; fi
  else
    ann=$anns/$name.npz
    run "$BIN" annotate make --data "$spec" --annotator flip:q=0.1,eta=0.1 --out "$ann"
    if [ "$rc" -ne 0 ]; then bad "annotations-$name" "annotate make exited $rc" "$out"
    elif [ -z "$n" ]; then bad "annotations-$name" "no training count from data info"
    elif why=$(check_candidates "$ann" "$n" "$c" 2>&1); then ok "annotations-$name"
    else bad "annotations-$name" "$why"; fi
  fi

  # two epochs of Co-Reg and of partial CE
  if [ ! -s "$ann" ]; then
    bad "coreg-$name" "no annotation file $ann"; bad "coreg-$name-input" "no run"
    bad "pce-$name" "no annotation file $ann"; bad "pce-$name-input" "no run"
    continue
  fi
  run "$BIN" run "$SCRIPTS_ROOT/scripts/coreg.coreg" data="$spec" annotations="$ann" \
    epochs=2 warmup=1 batch=16 threads=1 out="$runs/coreg_$name"
  check_run "coreg-$name" "$runs/coreg_$name" "$geom"
  run "$BIN" run "$SCRIPTS_ROOT/scripts/baselines/partial_ce.coreg" data="$spec" annotations="$ann" \
    epochs=2 batch=16 threads=1 out="$runs/pce_$name"
  check_run "pce-$name" "$runs/pce_$name" "$geom"
done <<<"$table"

# ---- misspelled names: exit status 64 and a message naming the known choices ----
# expect_usage NAME STRIP WORD... : $rc is 64 and $out (with STRIP, a path, removed) holds every WORD.
expect_usage() {
  local name=$1 strip=$2; shift 2
  local text=${out//"$strip"/DIR} problems=() w
  [ "$rc" -eq 64 ] || problems+=("exit status $rc, want 64")
  for w in "$@"; do grep -qF -- "$w" <<<"$text" || problems+=("the message does not name '$w'"); done
  if [ ${#problems[@]} -eq 0 ]; then ok "$name"; else
    local IFS=';'; bad "$name" "${problems[*]}" "$out"
  fi
}
c10=$sets/cifar10
m10=$sets/mnist
run "$BIN" run "$SCRIPTS_ROOT/scripts/coreg.coreg" data="cifra10:$c10" annotations=simulated \
  epochs=2 warmup=1 batch=16 threads=1 out="$runs/bad_data"
expect_usage bad-dataset-coreg "$c10" cifar10 svhn
run "$BIN" run "$SCRIPTS_ROOT/scripts/coreg.coreg" data="mnist:$m10" annotations=simulatd \
  epochs=2 warmup=1 batch=16 threads=1 out="$runs/bad_annotator"
expect_usage bad-annotator-coreg "$m10" flip pico
run "$BIN" data info "cifra10:$c10"
expect_usage bad-dataset-info "$c10" cifar10 svhn
run "$BIN" annotate make --data embedded --annotator simulatd --out "$anns/bad.npz"
expect_usage bad-annotator-make "$anns" flip pico

finish

#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer under AddressSanitizer (docs/fuzzing.md).
#
#   scripts/fuzz.sh --list                      the targets, their input size limit and surface
#   scripts/fuzz.sh --build                     build .build-fuzz/release/coreg-fuzz
#   scripts/fuzz.sh TARGET SECONDS [FLAGS...]   one campaign; FLAGS go to libFuzzer (-runs=N …)
#   scripts/fuzz.sh --smoke SECONDS             every target in turn for SECONDS (the test suite)
#   scripts/fuzz.sh --merge TARGET              minimise the campaign's corpus into the committed one
#
# A campaign reads the committed corpus (Tests/Fuzz/corpus/TARGET), the seeds (the test fixtures
# and files CoReg writes, gathered under out/fuzz/seeds/TARGET) and its own growing corpus
# (out/fuzz/corpus/TARGET, git-ignored, where new inputs go). Before it fuzzes, it replays every
# committed regression input (Tests/Fuzz/regressions/TARGET/*): each is a crash found once and
# fixed. A crash, leak, timeout or out-of-memory stops the campaign, saves the input under
# out/fuzz/artifacts/ and makes this script exit non-zero. Each campaign's last lines go to
# out/fuzz/logs/TARGET.log; the summary line is "fuzz TARGET: N runs in S s, cov C ft F, corpus K, ok"
# (cov: coverage points reached, ft: features, libFuzzer's measures; corpus: inputs kept).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build-fuzz/release/coreg-fuzz
# ASan prints the stack of a crash; Swift's own backtracer would run inside the dying process too.
export SWIFT_BACKTRACE=enable=no
F=Tests/KernelTests/Fixtures/formats

build() {
    echo "fuzz: building $BIN (libFuzzer + ASan, release configuration) ..." >&2
    COREG_FUZZ=1 swift build -c release --scratch-path .build-fuzz --product coreg-fuzz \
        -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address >&2
}

# The seed files of a target: fixtures in the real formats and the scripts of the project.
seeds() {
    case "$1" in
        script-parse) ls Tests/InterpreterTests/golden/*.coreg scripts/*.coreg scripts/*/*.coreg ;;
        script-eval) ls Tests/InterpreterTests/golden/*.coreg ;;
        idx) ls $F/mnist/* ;;
        cifar) ls $F/cifar-10-batches-bin/data_batch_1.bin $F/cifar-100-binary/test.bin ;;
        mat) ls $F/*.mat $F/svhn/*.mat ;;
        fer2013) ;;   # written below: the fixture's first lines (the whole file exceeds -max_len)
        npy) ls $F/*.npy ;;
        npz) ls $F/*.npz ;;
        safetensors) ls $F/st_dtypes.safetensors $F/st_coreg_written.safetensors $F/st_i64_overflow.safetensors $F/st_cnn_small_io.safetensors ;;
        checkpoint) ls $F/st_coreg_written.safetensors ;;
        json) ls docs/runs/*/results.json | head -4 ;;
        annotation-npz) ls $F/stored.npz ;;
        annotation-jsonl) ;;
        image) ls $F/images/* $F/folder/cat/b.ppm ;;
    esac
}

gather_seeds() {   # out/fuzz/seeds/TARGET: the seeds above plus those coreg-fuzz --seeds writes
    local t=$1 d=out/fuzz/seeds/$1
    rm -rf "$d"; mkdir -p "$d"
    for f in $(seeds "$t"); do cp "$f" "$d/$(echo "$f" | tr '/' '_')"; done
    if [ "$t" = fer2013 ]; then head -4 $F/fer2013.csv > "$d/fer2013_head.csv"; fi
    local w=out/fuzz/seeds/.written
    [ -d "$w" ] || "$BIN" --seeds "$w" >/dev/null
    if [ -d "$w/$t" ]; then cp "$w/$t"/* "$d/"; fi
}

list() { "$BIN" --list; }

campaign() {   # TARGET SECONDS [libFuzzer flags]
    local t=$1 secs=$2; shift 2
    "$BIN" --list | cut -f1 | grep -qx "$t" || { echo "fuzz: no target '$t' (scripts/fuzz.sh --list)" >&2; exit 64; }
    gather_seeds "$t"
    mkdir -p "out/fuzz/corpus/$t" "Tests/Fuzz/corpus/$t" out/fuzz/artifacts out/fuzz/logs
    local log=out/fuzz/logs/$t.log leaks
    leaks=$("$BIN" --list | awk -F'\t' -v t="$t" '$1 == t { print ($3 == "leaks") ? 1 : 0 }')
    export ASAN_OPTIONS="detect_leaks=$leaks"
    local limits=(-timeout=10 -rss_limit_mb=2560 -malloc_limit_mb=1024)
    local regressions=(Tests/Fuzz/regressions/"$t"/*)
    if [ -e "${regressions[0]}" ]; then
        if ! "$BIN" "$t" "${limits[@]}" "${regressions[@]}" > "$log.replay" 2>&1; then
            tail -30 "$log.replay" >&2; echo "fuzz $t: a committed regression input fails again" >&2; exit 1
        fi
        echo "fuzz $t: ${#regressions[@]} regression inputs replayed, ok" >&2
    fi
    local rc=0
    "$BIN" "$t" -max_total_time="$secs" "${limits[@]}" -print_final_stats=1 \
        -artifact_prefix="out/fuzz/artifacts/$t-" "$@" \
        "out/fuzz/corpus/$t" "Tests/Fuzz/corpus/$t" "out/fuzz/seeds/$t" > "$log" 2>&1 || rc=$?
    local runs cov ft corp
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    read -r cov ft corp < <(grep -E '^#[0-9]+' "$log" | grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*' | tail -1 | awk '{print $2, $4, $6}') || true
    if [ "$rc" -ne 0 ]; then
        tail -40 "$log" >&2
        echo "fuzz $t: FAILED after ${runs:-?} runs (exit $rc); the input is under out/fuzz/artifacts/" >&2
        return 1
    fi
    local took
    took=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | awk '{print $5}' | tail -1)
    echo "fuzz $t: ${runs:-?} runs in ${took:-$secs} s, cov ${cov:-?} ft ${ft:-?}, corpus ${corp:-?}, ok"
}

case "${1:-}" in
    --list) [ -x "$BIN" ] || build; list ;;
    --build) build ;;
    --smoke)
        secs=${2:?usage: scripts/fuzz.sh --smoke SECONDS}
        build
        failed=0
        for t in $("$BIN" --list | cut -f1); do campaign "$t" "$secs" || failed=$((failed + 1)); done
        [ "$failed" -eq 0 ] || { echo "fuzz: $failed target(s) failed" >&2; exit 1; } ;;
    --merge)
        t=${2:?usage: scripts/fuzz.sh --merge TARGET}
        [ -x "$BIN" ] || build
        gather_seeds "$t"
        mkdir -p "Tests/Fuzz/corpus/$t"
        "$BIN" "$t" -merge=1 -timeout=10 -rss_limit_mb=2560 -malloc_limit_mb=1024 "Tests/Fuzz/corpus/$t" "out/fuzz/corpus/$t" "out/fuzz/seeds/$t" 2>&1 | tail -2 ;;
    ""|-h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; [ -n "${1:-}" ] ;;
    *)
        [ $# -ge 2 ] || { echo "usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer flags]" >&2; exit 64; }
        [ -x "$BIN" ] || build
        campaign "$@" ;;
esac

#!/usr/bin/env bash
# Runs the whole test suite (release build: the numeric tests need optimised kernels).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests -c release
# Every libFuzzer target for 20 s against its committed corpus, after its regression inputs
# (scripts/fuzz.sh, docs/fuzzing.md). It builds its own ASan binary and runs beside the tests
# below, at a lower priority, so that the suite stays inside CI's time; its result decides at the end.
mkdir -p out/fuzz
nice -n 10 scripts/fuzz.sh --smoke 20 > out/fuzz/smoke.log 2>&1 &
fuzz_pid=$!
trap 'pkill -P "$fuzz_pid" 2>/dev/null; kill "$fuzz_pid" 2>/dev/null; true' EXIT   # a failing step ends the fuzzing too
COREG_REQUIRE_BINARY=1 swift test -c release --skip-build "$@"
scripts/cli_tests.sh
scripts/tests/method_refs.sh
scripts/tests/baseline_switches.sh
scripts/tests/datasets_e2e.sh
scripts/tests/jupyter.sh
scripts/tests/behaviour.sh
if wait "$fuzz_pid"; then trap - EXIT; grep '^fuzz ' out/fuzz/smoke.log; else
    tail -60 out/fuzz/smoke.log; echo "fuzz smoke: FAILED (out/fuzz/smoke.log)"; exit 1
fi

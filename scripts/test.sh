#!/usr/bin/env bash
# Runs the whole test suite (release build: the numeric tests need optimised kernels).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests -c release
COREG_REQUIRE_BINARY=1 swift test -c release --skip-build "$@"
scripts/cli_tests.sh
scripts/tests/method_refs.sh
scripts/tests/baseline_switches.sh
scripts/tests/datasets_e2e.sh
scripts/tests/jupyter.sh
scripts/tests/behaviour.sh

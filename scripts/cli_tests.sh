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
echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

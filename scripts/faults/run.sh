#!/usr/bin/env bash
# The fault table (docs/faults.md): each fault N times (default 100). Needs root for the tmpfs of
# the full-disk case; pexpect comes from the virtual environment of scripts/tests/jupyter.sh.
#   scripts/faults/run.sh [N]            FAULTS=kill-save,bad-file scripts/faults/run.sh 10
set -uo pipefail
cd "$(dirname "$0")/../.."
VENV=.build/venv-jupyter
if ! "$VENV/bin/python" -c "import pexpect" 2>/dev/null; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q --disable-pip-version-check "pexpect>=4.8" || exit 1
fi
exec "$VENV/bin/python" scripts/faults/faults.py "$@"

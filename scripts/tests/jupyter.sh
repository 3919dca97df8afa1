#!/usr/bin/env bash
# The Jupyter kernel through real clients: jupyter_client (execute, display, errors, complete,
# inspect, is_complete, history, interrupt in signal and message mode, a mis-signed message,
# restart), nbclient re-running every scripts/notebooks/*.coreg exported with --to ipynb, and
# jupyter console under a pseudo-terminal (a multi-line function and a Ctrl-C).
# Python packages come from PyPI into .build/venv-jupyter, made once; the kernelspecs go to a
# temporary prefix that JUPYTER_PATH points at, so nothing outside the checkout is touched.
#   scripts/tests/jupyter.sh        (BIN overrides .build/release/coreg)
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
bin=$(cd "$(dirname "${BIN:-.build/release/coreg}")" && pwd)/$(basename "${BIN:-.build/release/coreg}")
VENV=$root/.build/venv-jupyter
PY=$VENV/bin/python
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if ! "$PY" -c "import jupyter_client, nbclient, nbformat, jupyter_console, pexpect" 2>/dev/null; then
  if [ ! -x "$PY" ] && ! python3 -m venv "$VENV" 2>"$tmp/venv.log"; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    echo "installing python3-venv"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null && python3 -m venv "$VENV" \
      || { echo "FAIL jupyter-venv: cannot make a virtual environment"; echo "jupyter: 0 passed, 1 failed"; exit 1; }
  fi
  "$PY" -m pip install -q --disable-pip-version-check "jupyter_client>=8" "nbclient>=0.10" "nbformat>=5" "jupyter_console>=6.6" "pexpect>=4.8" >"$tmp/pip.log" 2>&1 \
    || { echo "FAIL jupyter-pip: pip install failed"; tail -5 "$tmp/pip.log"; echo "jupyter: 0 passed, 1 failed"; exit 1; }
fi
export JUPYTER_PATH=$tmp/share/jupyter JUPYTER_DATA_DIR=$tmp/data JUPYTER_RUNTIME_DIR=$tmp/runtime JUPYTER_CONFIG_DIR=$tmp/config
fail_early() { echo "FAIL $1"; echo "jupyter: 0 passed, 1 failed"; exit 1; }
"$bin" kernel install --prefix "$tmp" >/dev/null || fail_early "kernel-install"
"$bin" kernel install --prefix "$tmp" --name coreg-message --display-name "CoReg (message interrupts)" --interrupt-mode message >/dev/null || fail_early "kernel-install-message"
COREG_BIN=$bin "$PY" scripts/tests/jupyter_kernel.py

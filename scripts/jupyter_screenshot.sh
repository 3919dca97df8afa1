#!/usr/bin/env bash
# A screenshot of a real notebook on the CoReg kernel in JupyterLab (not part of CI): JupyterLab and
# Playwright from PyPI into .build/venv-lab, Chromium from Debian, the kernelspec into a temporary
# prefix. Writes docs/images/jupyterlab.png from scripts/notebooks/partial_labels.coreg.
#   scripts/jupyter_screenshot.sh [NOTEBOOK.coreg] [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-scripts/notebooks/partial_labels.coreg}
out=$(realpath -m "${2:-docs/images/jupyterlab.png}")
bin=$PWD/.build/release/coreg
[ -x "$bin" ] || swift build -c release
sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
command -v chromium >/dev/null || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null; }
VENV=$PWD/.build/venv-lab
if ! "$VENV/bin/python" -c "import jupyterlab, playwright" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check jupyterlab playwright
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export JUPYTER_PATH=$tmp/share/jupyter JUPYTER_DATA_DIR=$tmp/data JUPYTER_RUNTIME_DIR=$tmp/runtime JUPYTER_CONFIG_DIR=$tmp/config
"$bin" kernel install --prefix "$tmp" >/dev/null
name=$(basename "$src" .coreg)
mkdir -p "$tmp/nb"
"$bin" notebook "$src" --to ipynb -o "$tmp/nb/$name.ipynb" >/dev/null
# open it as a user would: no outputs yet, then Run All in the browser
"$VENV/bin/python" - "$tmp/nb/$name.ipynb" <<'PY'
import sys, json
p = sys.argv[1]; nb = json.load(open(p))
for c in nb["cells"]:
    if c["cell_type"] == "code": c["outputs"] = []; c["execution_count"] = None
json.dump(nb, open(p, "w"), indent=1)
PY
# the notebook's relative paths resolve from the repository root, where the kernel starts
cp "$tmp/nb/$name.ipynb" "$PWD/$name.ipynb"; trap 'rm -rf "$tmp"; rm -f "$PWD/$name.ipynb"' EXIT
"$VENV/bin/python" scripts/jupyter_screenshot.py "$PWD/$name.ipynb" "$out"

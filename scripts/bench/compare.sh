#!/usr/bin/env bash
# CoReg vs numpy/OpenBLAS (GEMM) and PyTorch CPU (training, when importable), side by side.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product coreg >/dev/null
exec python3 scripts/bench/compare.py "$@"

#!/usr/bin/env bash
# Builds coreg and runs the main job on the embedded default data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product coreg
.build/release/coreg demo "$@"

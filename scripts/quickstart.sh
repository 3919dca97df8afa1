#!/usr/bin/env bash
# Builds coreg and runs the main job: Co-Reg on the embedded Fashion-MNIST subset with the
# simulated VLM annotator, against the annotator's zero-shot accuracy and partial-CE training.
# Extra name=value arguments reach scripts/quickstart.coreg (e.g. train=2000 epochs=4).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product coreg
exec .build/release/coreg run scripts/quickstart.coreg "$@"

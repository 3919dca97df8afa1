#!/usr/bin/env bash
# Installs the system libraries CoReg builds against (Debian/Ubuntu), using sudo when not root.
# Skips apt entirely when everything is already present.
set -euo pipefail
pkgs=(pkg-config libedit-dev zlib1g-dev libpng-dev libjpeg62-turbo-dev libzmq3-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: missing ${missing[*]} and apt-get is not available; install them with your package manager" >&2
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Optional: the full Fashion-MNIST from Debian (data=fmnist; the real-data tests use it when present).
if [ "${COREG_SKIP_DATASETS:-0}" != "1" ] && ! dpkg-query -W -f='${Status}' dataset-fashion-mnist 2>/dev/null | grep -q "install ok installed"; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  ( $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dataset-fashion-mnist >/dev/null ) \
    || echo "setup: dataset-fashion-mnist is not available here; data=fmnist and its tests will say so" >&2
fi

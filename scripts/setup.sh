#!/usr/bin/env bash
# The README's set-up: what the tests need that npm cannot install (Debian's Chromium, driven
# headless by playwright-core), then the npm packages. Nothing is fetched when tests run.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# onnxruntime-node's postinstall downloads CUDA provider libraries from NuGet, which fails offline:
# skipped here for every npm, and by package.json allowScripts on npm >= 11.16 (README: CUDA).
ONNXRUNTIME_NODE_INSTALL=skip npm install

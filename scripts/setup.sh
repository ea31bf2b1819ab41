#!/usr/bin/env bash
# The README's set-up: what the tests need that npm cannot install (Debian's Chromium, driven
# headless by playwright-core), then the npm packages. Nothing is fetched when tests run.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  # Another apt or dpkg (unattended upgrades, a second set-up) may hold its locks: apt waits for
  # them, saying which process holds them, for at most five minutes instead of failing at once.
  lock=(-o DPkg::Lock::Timeout=300)
  echo "set-up: installing Debian's chromium (for the report tests); waits up to 5 min if another apt holds the lock" >&2
  as_root apt-get "${lock[@]}" update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" install -y -qq chromium >/dev/null
fi
# onnxruntime-node's postinstall downloads CUDA provider libraries from NuGet, which fails offline:
# skipped here for every npm, and by package.json allowScripts on npm >= 11.16 (README: CUDA).
ONNXRUNTIME_NODE_INSTALL=skip npm install

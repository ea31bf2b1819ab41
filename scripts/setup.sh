#!/usr/bin/env bash
# The README's set-up: what the tests and the benchmark need that npm cannot install (Debian's
# Chromium, driven headless by playwright-core; Debian's python3-onnx and python3-numpy, the
# numpy peers `npm run bench` times us against), then the npm packages. Nothing is fetched when
# tests run.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Another apt or dpkg (unattended-upgrades, a second set-up) may hold the lock: wait for it, a
# bounded time, saying so, instead of failing at once.
APT_LOCK_WAIT=${APT_LOCK_WAIT:-300}
apt_retry() {
  local waited=0 out
  while :; do
    if out=$(as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=5 "$@" 2>&1); then return 0; fi
    if ! grep -qiE 'could not get lock|unable to acquire|is another process using it' <<<"$out"; then
      echo "$out" >&2
      return 1
    fi
    if [ "$waited" -ge "$APT_LOCK_WAIT" ]; then
      echo "setup: the apt/dpkg lock is still held after ${APT_LOCK_WAIT}s (by: $(pgrep -a 'apt|dpkg' | head -3 | tr '\n' ';')); giving up" >&2
      return 1
    fi
    echo "setup: waiting for the apt/dpkg lock held by another package manager ($(pgrep -a 'apt|dpkg' | head -1 || echo 'unknown process')), ${waited}s of ${APT_LOCK_WAIT}s" >&2
    sleep 10
    waited=$((waited + 15))
  done
}

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
/usr/bin/python3 -c 'import onnx, numpy' >/dev/null 2>&1 || need+=(python3-onnx python3-numpy)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]} from Debian" >&2
  apt_retry update -qq
  apt_retry install -y -qq "${need[@]}"
fi
# onnxruntime-node's postinstall downloads CUDA provider libraries from NuGet, which fails offline:
# skipped here for every npm, and by package.json allowScripts on npm >= 11.16 (README: CUDA).
ONNXRUNTIME_NODE_INSTALL=skip npm install

#!/usr/bin/env bash
# The action's install step: the onnx-sparsity CLI from npm (this action's own version unless
# INPUT_VERSION or INPUT_PACKAGE says otherwise) into npm's global prefix, whose bin folder goes
# on GITHUB_PATH for the steps after. onnxruntime-node's download of CUDA libraries is skipped:
# the CPU build it ships is what a CI runner has.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
spec="${INPUT_PACKAGE:-}"
if [ -z "$spec" ]; then
  version="${INPUT_VERSION:-}"
  [ -n "$version" ] || version="$(node -p 'require(process.argv[1]).version' "$here/../../../package.json")"
  spec="onnx-sparsity@$version"
fi
echo "installing $spec"
ONNXRUNTIME_NODE_INSTALL=skip npm install --global --no-audit --no-fund "$spec"
prefix="$(npm prefix --global)"
case "$(uname -s)" in
  MINGW* | MSYS* | CYGWIN*) bin="$prefix" ;; # npm on Windows puts global commands in the prefix itself
  *) bin="$prefix/bin" ;;
esac
installed="$("$bin/onnx-sparsity" --version)"
echo "onnx-sparsity $installed in $bin"
echo "$bin" >> "${GITHUB_PATH:-/dev/null}"
echo "version=$installed" >> "${GITHUB_OUTPUT:-/dev/null}"

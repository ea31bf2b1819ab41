#!/usr/bin/env bash
# The action's check step: onnx-sparsity check on INPUT_MODEL, once as Markdown (printed to the
# log, added to the job summary) and once as JUnit XML into INPUT_JUNIT when that is set. The
# step's exit code is the check's: 0 pass, 1 a rule failed, 2 bad usage, other errors.
set -uo pipefail
if [ -z "${INPUT_MODEL:-}" ]; then
  echo "::error::onnx-sparsity check: the 'model' input is required"
  exit 2
fi
options=()
[ -z "${INPUT_BASELINE:-}" ] || options+=(--baseline "$INPUT_BASELINE")
[ -z "${INPUT_RULES:-}" ] || options+=(--rules "$INPUT_RULES")
# Split on whitespace like a command line, without glob expansion.
read -r -a extra <<< "${INPUT_ARGS:-}"
options+=(${extra[@]+"${extra[@]}"})

markdown="$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/onnx-sparsity-check.XXXXXX")"
trap 'rm -f "$markdown"' EXIT
onnx-sparsity check "$INPUT_MODEL" ${options[@]+"${options[@]}"} --format md --out "$markdown"
code=$?
[ ! -s "$markdown" ] || cat "$markdown"
if [ "$code" -le 1 ] && [ "${INPUT_SUMMARY:-true}" = true ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -s "$markdown" ]; then
  cat "$markdown" >> "$GITHUB_STEP_SUMMARY"
fi

junit="${INPUT_JUNIT:-}"
if [ "$code" -le 1 ] && [ -n "$junit" ]; then
  mkdir -p "$(dirname "$junit")"
  onnx-sparsity check "$INPUT_MODEL" ${options[@]+"${options[@]}"} --format junit --out "$junit"
  again=$?
  # The gate stays as strict as the stricter of the two runs.
  [ "$again" -le "$code" ] || code=$again
fi

case "$code" in
  0) result=pass ;;
  1) result=fail; echo "::error file=$INPUT_MODEL::onnx-sparsity check failed: the model broke a sparsity rule (see the summary above)" ;;
  *) result=error; echo "::error file=$INPUT_MODEL::onnx-sparsity check could not check the model (exit code $code; see the message above)" ;;
esac
{
  echo "result=$result"
  echo "exit-code=$code"
  if [ "$code" -le 1 ] && [ -n "$junit" ] && [ -f "$junit" ]; then echo "junit=$junit"; fi
} >> "${GITHUB_OUTPUT:-/dev/null}"
exit "$code"

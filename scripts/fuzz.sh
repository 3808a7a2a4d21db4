#!/usr/bin/env bash
# Builds the libFuzzer target with clang and runs it for a bounded time.
# Usage: scripts/fuzz.sh [seconds]   (default 60)
set -euo pipefail
seconds=${1:-60}
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp tests/fuzz/corpus/* "$work/"
build/fuzz/tests/fuzz/resp_parser_fuzz -max_total_time="$seconds" -max_len=8192 -timeout=10 \
  -print_final_stats=1 "$work" 2>&1 | tail -n 15
echo "fuzz: resp_parser_fuzz ran ${seconds}s without a finding"

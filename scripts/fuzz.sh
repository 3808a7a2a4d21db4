#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a bounded time:
# resp_parser_fuzz (the RESP parser), scenario_fuzz (scenario files and
# --set values) and request_reader_fuzz (the reference server's requests).
# Usage: scripts/fuzz.sh [seconds per target]   (default 60)
set -euo pipefail
seconds=${1:-60}
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fuzz TARGET SEEDS [libFuzzer flags...]: runs TARGET on a copy of SEEDS.
fuzz() {
  local target=$1 seeds=$2
  shift 2
  mkdir -p "$work/$target"
  cp "$seeds"/* "$work/$target/"
  "build/fuzz/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 "$@" \
    "$work/$target" 2>&1 | tail -n 15
  echo "fuzz: $target ran ${seconds}s without a finding"
}

fuzz resp_parser_fuzz tests/fuzz/corpus -max_len=8192
fuzz scenario_fuzz tests/fuzz/scenario_corpus -max_len=4096 -dict=tests/fuzz/scenario.dict
fuzz request_reader_fuzz tests/fuzz/request_corpus -max_len=8192

#!/usr/bin/env bash
# Builds and runs the micro-benchmarks (Google Benchmark), writes their JSON
# (Google Benchmark's own format, so its compare.py reads it) and prints a
# summary in GB/s (10^9 B/s) with the fixed-size parse bar.
#   scripts/bench.sh [OUT.json] [extra Google Benchmark flags...]
# Default OUT: results/bench-<UTC time>.json. Five repetitions, interleaved
# at random, medians reported: this VM's memory bandwidth drifts by 10%.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-results/bench-$(date -u +%Y%m%d-%H%M%S).json}"
shift || true
scripts/build.sh release kvslo_bench >/dev/null
mkdir -p "$(dirname "$out")"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! build/release/bench/kvslo_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_enable_random_interleaving=true --benchmark_out="$out" --benchmark_out_format=json "$@" >"$log" 2>&1; then
  cat "$log" >&2
  echo "bench: kvslo_bench failed" >&2
  exit 1
fi
python3 scripts/bench-summary.py "$out"
echo "JSON: $out"

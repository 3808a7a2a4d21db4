#!/usr/bin/env bash
# The main job: installs what is missing, builds kvslo (release), starts an
# embedded redis-server, measures GET throughput and latency for the hiredis
# baseline and the zero-copy client, prints the SLO verdict and writes the
# results JSON under results/. Extra arguments go to `kvslo run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/harness/kvslo run "$@"

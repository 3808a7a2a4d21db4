#!/usr/bin/env bash
# Runs kvslo's tests: installs what is missing, builds a preset, runs ctest.
# Usage: scripts/test.sh [preset] [ctest arguments...]   (debug by default; also asan, tsan, release)
# Tests start their own redis-server instances (free ports, private temp
# dirs); nothing else needs to be running.
set -euo pipefail
preset=${1:-debug}
cd "$(dirname "$0")/.."
scripts/build.sh "$preset"
ctest --preset "$preset" -j "$(nproc)" "${@:2}"

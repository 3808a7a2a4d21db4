#!/usr/bin/env bash
# Installs what is missing and builds kvslo in a preset (release by default).
# Usage: scripts/build.sh [preset] [target]   e.g. scripts/build.sh release kvslo
set -euo pipefail
preset=${1:-release}
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset "$preset" >/dev/null
if [ $# -ge 2 ]; then
  cmake --build --preset "$preset" --target "$2"
else
  cmake --build --preset "$preset"
fi

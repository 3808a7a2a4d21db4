#!/usr/bin/env bash
# The main job: installs what is missing, builds kvslo (release), starts an
# embedded redis-server and runs the `quick` scenario (every client at three
# chunk sizes), prints the summary with the SLO verdict and writes the
# results JSON under results/, with plots, report.md and report.html in a
# directory beside it. Extra arguments go to `kvslo run quick`, e.g.
#   scripts/quickstart.sh --set streams=1,2,4
# Another scenario: SCENARIO=chunk-sweep scripts/quickstart.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release kvslo
exec build/release/harness/kvslo run "${SCENARIO:-quick}" --report "$@"

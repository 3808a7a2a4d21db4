#!/usr/bin/env bash
# Installs kvslo's build and run dependencies from Debian's packages.
# Idempotent: packages already present are skipped, and apt is only touched
# when something is missing (so a second run costs a few dpkg queries).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libhiredis-dev nlohmann-json3-dev libcli11-dev
  libbenchmark-dev libgtest-dev googletest
  clang libclang-rt-14-dev
  redis-server redis-tools iperf3
  python3 python3-dev python3-matplotlib python3-numpy python3-redis python3-pytest pybind11-dev
  iproute2 procps
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's redis-server package starts a system service on 6379; kvslo never
# uses it (it starts its own on a free port), so leave it as the admin set it.
echo "install-deps: done"

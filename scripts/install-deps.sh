#!/usr/bin/env bash
# Installs kvslo's build and run dependencies from Debian's packages.
# Idempotent: packages already present are skipped, and apt is only touched
# when something is missing (so a second run costs a few dpkg queries).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libhiredis-dev nlohmann-json3-dev libcli11-dev libssl-dev
  libbenchmark-dev libgtest-dev googletest
  clang libclang-rt-14-dev
  redis-server redis-tools iperf3
  python3 python3-dev python3-matplotlib python3-numpy python3-redis python3-pytest pybind11-dev
  iproute2 procps
  openmpi-bin libopenmpi-dev
)
# Valkey 8.0 (the `server: valkey` axis value): bookworm has no valkey, its
# backports suite has 8.0.x; only these two packages come from there.
valkey_packages=(valkey-server valkey-tools)
backports_suite=bookworm-backports
backports_sources=/etc/apt/sources.list.d/kvslo-bookworm-backports.sources
# Same URI and keyring as Debian's own /etc/apt/sources.list.d/debian.sources.
backports_stanza="# Added by kvslo's scripts/install-deps.sh for valkey-server and valkey-tools only
# (installed as pkg/bookworm-backports; nothing else is taken from this suite).
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
missing_valkey=()
for p in "${valkey_packages[@]}"; do installed "$p" || missing_valkey+=("$p"); done

if [ ${#missing[@]} -eq 0 ] && [ ${#missing_valkey[@]} -eq 0 ]; then
  echo "install-deps: all $((${#packages[@]} + ${#valkey_packages[@]})) packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

# Whether apt already reads the backports suite from a file kvslo did not write
# (apt reads sources.list and sources.list.d/*.list|*.sources; comments skipped).
backports_configured_elsewhere() {
  local files=()
  [ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
  for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && [ "$f" != "$backports_sources" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] && grep -hv '^[[:space:]]*#' "${files[@]}" | grep -qE "(^|[[:space:]])$backports_suite([[:space:]]|$)"
}

# Adds the backports suite in kvslo's own sources file, unless apt has it
# already. Never overwrites a file kvslo did not write.
ensure_backports_suite() {
  if [ -e "$backports_sources" ]; then
    if [ "$(cat "$backports_sources")" != "$backports_stanza" ]; then
      echo "install-deps: $backports_sources exists with content kvslo did not write; refusing to overwrite it." >&2
      echo "install-deps: move it aside (or add $backports_suite yourself) and run again." >&2
      exit 1
    fi
    return
  fi
  if backports_configured_elsewhere; then
    echo "install-deps: $backports_suite already configured; not adding it again"
    return
  fi
  echo "install-deps: adding $backports_suite in $backports_sources (for ${valkey_packages[*]} only)"
  printf '%s\n' "$backports_stanza" | $SUDO tee "$backports_sources" >/dev/null
}

# The valkey-server package's postinst starts a system service on 6379, where
# Debian's redis-server service may already listen: the start then fails and
# takes the install down with it (and kvslo never uses that service: it starts
# its own servers on free ports). A policy-rc.d that refuses service starts
# (exit 101) keeps maintainer scripts from starting anything during this
# install; an existing one is the admin's (e.g. a container's) and is left
# as it is; ours is removed afterwards, also on failure.
policy_rc_d=/usr/sbin/policy-rc.d
created_policy_rc_d=""
remove_policy_rc_d() { if [ -n "$created_policy_rc_d" ]; then $SUDO rm -f "$policy_rc_d"; fi; }
trap remove_policy_rc_d EXIT
trap "exit 130" INT TERM HUP  # so the EXIT trap runs on these too
if [ ${#missing_valkey[@]} -gt 0 ] && [ ! -e "$policy_rc_d" ]; then
  printf '#!/bin/sh\n# kvslo install-deps.sh: no service starts during its install; removed afterwards.\nexit 101\n' |
    $SUDO tee "$policy_rc_d" >/dev/null
  $SUDO chmod 755 "$policy_rc_d"
  created_policy_rc_d=yes
fi

if [ ${#missing_valkey[@]} -gt 0 ]; then
  . /etc/os-release
  if [ "${VERSION_CODENAME:-}" = bookworm ]; then
    ensure_backports_suite
    for p in "${missing_valkey[@]}"; do missing+=("$p/$backports_suite"); done
  else
    missing+=("${missing_valkey[@]}")  # newer Debian ships valkey in its main suite
  fi
fi

echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's redis-server package starts a system service on 6379; kvslo never
# uses it (it starts its own on a free port), so leave it as the admin set it.
if [ ${#missing_valkey[@]} -gt 0 ]; then
  # Not started now, but enabled: at the next boot it would take 6379 beside redis-server's service.
  echo "install-deps: note: the valkey-server service is installed but was not started; kvslo never uses it" \
       "(to keep it from starting at boot on port 6379: systemctl disable valkey-server)"
fi
echo "install-deps: done"

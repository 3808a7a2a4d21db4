#!/usr/bin/env bash
# A second "host" on this machine for network tests: a network namespace
# joined to this one by a veth pair, optionally rate-limited with tc (tbf;
# netem is not available here), with redis-server and `iperf3 -s` inside it.
#
#   scripts/testbed.sh up   [--name NAME] [--rate 2gbit] [--sysctl key=value ...]
#   scripts/testbed.sh down [--name NAME]
#
# `up` prints shell assignments: KVSLO_TESTBED_REDIS=redis://ADDR:6379,
# KVSLO_TESTBED_IPERF=ADDR:5201, KVSLO_TESTBED_NETNS=NAME. `--sysctl` sets a
# per-namespace sysctl (net.ipv4.tcp_rmem, ...) inside the namespace only, so
# tests can try buffer settings without touching this host's.
# `down` stops only the processes `up` started (by the pids it recorded) and
# removes the namespace and links. Needs root (ip netns, tc).
set -euo pipefail

action=${1:-}
shift || true
name=kvslo-tb
rate=""
sysctls=()
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --sysctl) sysctls+=("$2"); shift 2 ;;
    *) echo "testbed: unknown argument '$1' (expected --name, --rate, --sysctl)" >&2; exit 2 ;;
  esac
done
case "$name" in *[!a-zA-Z0-9-]*|"") echo "testbed: --name must be letters, digits and dashes" >&2; exit 2 ;; esac

state_root=/run/kvslo-testbed
state=$state_root/$name
mkdir -p "$state_root"

# Each testbed gets its own link-local /30 (169.254.N.0/30), the first N no
# other testbed holds, chosen under a lock so parallel tests never share one.
addresses() {
  index=$1
  host_ip=169.254.$index.1
  ns_ip=169.254.$index.2
  veth_host=kvt${index}h
  veth_ns=kvt${index}n
}

down() {
  [ -f "$state/index" ] && addresses "$(cat "$state/index")"
  if [ -d "$state" ]; then
    for pidfile in "$state"/*.pid; do
      [ -f "$pidfile" ] || continue
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    done
  fi
  [ -n "${veth_host:-}" ] && ip link del "$veth_host" 2>/dev/null || true
  ip netns del "$name" 2>/dev/null || true
  rm -rf "$state"
}

up() {
  if ip netns list | grep -qw "^$name"; then
    echo "testbed: '$name' is already up (scripts/testbed.sh down --name $name)" >&2
    exit 1
  fi
  command -v redis-server >/dev/null || { echo "testbed: redis-server missing (scripts/install-deps.sh)" >&2; exit 1; }
  command -v iperf3 >/dev/null || { echo "testbed: iperf3 missing (scripts/install-deps.sh)" >&2; exit 1; }
  mkdir -p "$state"
  trap 'down' ERR
  exec 9>"$state_root/.lock"
  flock 9
  index=""
  for i in $(seq 2 251); do
    if ! ip -o addr show | grep -q "inet 169.254.$i.1/" && ! grep -qx "$i" "$state_root"/*/index 2>/dev/null; then
      index=$i
      break
    fi
  done
  [ -n "$index" ] || { echo "testbed: no free 169.254.N.0/30 left" >&2; exit 1; }
  echo "$index" > "$state/index"
  addresses "$index"
  ip netns add "$name"
  ip link add "$veth_host" type veth peer name "$veth_ns"
  ip link set "$veth_ns" netns "$name"
  ip addr add "$host_ip/30" dev "$veth_host"
  ip link set "$veth_host" up
  ip netns exec "$name" ip addr add "$ns_ip/30" dev "$veth_ns"
  ip netns exec "$name" ip link set "$veth_ns" up
  ip netns exec "$name" ip link set lo up
  flock -u 9
  if [ -n "$rate" ]; then
    # Both directions: SET payloads leave this host, GET replies leave the namespace.
    tc qdisc add dev "$veth_host" root tbf rate "$rate" burst 1mbit latency 50ms
    ip netns exec "$name" tc qdisc add dev "$veth_ns" root tbf rate "$rate" burst 1mbit latency 50ms
  fi
  for s in "${sysctls[@]}"; do
    ip netns exec "$name" sysctl -q -w "$s"
  done
  ip netns exec "$name" redis-server --bind "$ns_ip" --port 6379 --save "" --appendonly no --protected-mode no \
    --daemonize no --dir "$state" --logfile "$state/redis.log" --maxmemory 4gb --maxmemory-policy noeviction \
    >"$state/redis.out" 2>&1 &
  echo $! > "$state/redis.pid"
  ip netns exec "$name" iperf3 -s -B "$ns_ip" -p 5201 >"$state/iperf3.log" 2>&1 &
  echo $! > "$state/iperf3.pid"
  for _ in $(seq 100); do
    if redis-cli -h "$ns_ip" -p 6379 ping 2>/dev/null | grep -q PONG &&
       ip netns exec "$name" ss -ltn | grep -q "$ns_ip:5201"; then
      trap - ERR
      echo "KVSLO_TESTBED_REDIS=redis://$ns_ip:6379"
      echo "KVSLO_TESTBED_IPERF=$ns_ip:5201"
      echo "KVSLO_TESTBED_NETNS=$name"
      echo "KVSLO_TESTBED_RATE=${rate:-none}"
      return 0
    fi
    sleep 0.1
  done
  echo "testbed: redis-server or iperf3 did not come up; logs in $state" >&2
  down
  exit 1
}

case "$action" in
  up) up ;;
  down) down ;;
  *) echo "usage: scripts/testbed.sh up|down [--name NAME] [--rate 2gbit] [--sysctl key=value]" >&2; exit 2 ;;
esac

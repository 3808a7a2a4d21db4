#!/usr/bin/env bash
# Several client "hosts" on this machine for runs under mpirun: one network
# namespace per host, each joined to this one by its own veth pair and
# rate-limited with tc (tbf), and one redis-server here that every host
# reaches through its own link, at an address of its own on this namespace's
# loopback (this kernel has no dummy interfaces).
#
#   scripts/fleet-testbed.sh up   [--hosts 2] [--rate 1gbit] [--name kvf]
#   scripts/fleet-testbed.sh down [--name kvf]
#
# `up` prints shell assignments: KVSLO_FLEET_REDIS=redis://ADDR:PORT (its
# password, random, in the file KVSLO_FLEET_PASSWORD_FILE, mode 0600),
# KVSLO_FLEET_HOSTS=kvf-1,kvf-2,... and KVSLO_FLEET_AGENT, the launch agent
# that puts mpirun's daemon for host kvf-N inside namespace kvf-N:
#   mpirun --mca plm_rsh_agent $KVSLO_FLEET_AGENT --host $KVSLO_FLEET_HOSTS -n 2 ... kvslo run ...
# (README "Many client hosts"). MPI's own messages between ranks go through
# this namespace (forwarding is turned on for the testbed's links only).
# `down` stops only the redis-server `up` started (by its recorded pid) and
# removes only the address, links and namespaces it made. Needs root.
set -euo pipefail

action=${1:-}
shift || true
name=kvf
hosts=2
rate=1gbit
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=$2; shift 2 ;;
    --hosts) hosts=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    *) echo "fleet-testbed: unknown argument '$1' (expected --name, --hosts, --rate)" >&2; exit 2 ;;
  esac
done
case "$name" in *[!a-z0-9]*|"") echo "fleet-testbed: --name must be lowercase letters and digits" >&2; exit 2 ;; esac
[ ${#name} -le 6 ] || { echo "fleet-testbed: --name is at most 6 characters (interface names)" >&2; exit 2; }
case "$hosts" in ''|*[!0-9]*) echo "fleet-testbed: --hosts must be a number" >&2; exit 2 ;; esac
[ "$hosts" -ge 1 ] && [ "$hosts" -le 16 ] || { echo "fleet-testbed: --hosts is 1 to 16" >&2; exit 2; }

state=/run/kvslo-fleet-testbed/$name
server_ip=10.250.0.1

down() {
  if [ -f "$state/redis.pid" ]; then
    pid=$(cat "$state/redis.pid")
    # Only the redis-server `up` started (after a reboot or a crash the pid may be someone else's):
    # a redis-server whose working directory is this testbed's (--dir; it rewrites its title).
    # (Debian's redis-server is a link to redis-check-rdb: compare the program, not its name.)
    if [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$state" ] &&
       [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$(command -v redis-server)")" ]; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  if [ -f "$state/made" ]; then
    while read -r kind what; do
      case "$kind" in
        link) ip link del "$what" 2>/dev/null || true ;;
        address) ip addr del "$what" dev lo 2>/dev/null || true ;;
        netns) ip netns del "$what" 2>/dev/null || true ;;
      esac
    done < "$state/made"
  fi
  rm -rf "$state"
}

up() {
  [ ! -e "$state" ] || { echo "fleet-testbed: '$name' is up already (scripts/fleet-testbed.sh down --name $name)" >&2; exit 1; }
  ip -o addr show dev lo | grep -q " $server_ip/" && { echo "fleet-testbed: $server_ip is on lo already and not ours" >&2; exit 1; }
  mkdir -p "$state"
  chmod 700 "$state"
  : > "$state/made"
  trap 'down' ERR
  # The server's address: every host reaches it through its own link.
  ip addr add "$server_ip/32" dev lo
  echo "address $server_ip/32" >> "$state/made"
  hosts_list=""
  for h in $(seq 1 "$hosts"); do
    ns=$name-$h
    ip netns list | grep -qw "^$ns" && { echo "fleet-testbed: namespace $ns exists and is not ours" >&2; false; }
    ip netns add "$ns"
    echo "netns $ns" >> "$state/made"
    ip link add "${name}${h}h" type veth peer name "${name}${h}n"
    echo "link ${name}${h}h" >> "$state/made"
    ip link set "${name}${h}n" netns "$ns"
    ip addr add "10.250.$h.1/30" dev "${name}${h}h"
    ip link set "${name}${h}h" up
    ip netns exec "$ns" ip addr add "10.250.$h.2/30" dev "${name}${h}n"
    ip netns exec "$ns" ip link set "${name}${h}n" up
    ip netns exec "$ns" ip link set lo up
    # The server, and the other hosts (MPI's messages between ranks), through this side.
    ip netns exec "$ns" ip route add 10.250.0.0/16 via "10.250.$h.1"
    sysctl -qw "net.ipv4.conf.${name}${h}h.forwarding=1"
    # Both directions: GET replies leave this side, SET payloads the host's.
    tc qdisc add dev "${name}${h}h" root tbf rate "$rate" burst 4mbit latency 50ms
    ip netns exec "$ns" tc qdisc add dev "${name}${h}n" root tbf rate "$rate" burst 4mbit latency 50ms
    hosts_list="$hosts_list,$ns"
  done
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("10.250.0.1", 0)); print(s.getsockname()[1])')
  password=$(head -c 18 /dev/urandom | base64 | tr '+/' 'xy')
  (umask 077; printf '%s' "$password" > "$state/password")
  # The password goes to redis-server in a config file, never on a command line.
  (umask 077; printf 'requirepass %s\n' "$password" > "$state/redis.conf")
  redis-server "$state/redis.conf" --bind "$server_ip" --port "$port" --save "" --appendonly no --daemonize no \
    --dir "$state" --logfile "$state/redis.log" --maxmemory 4gb --maxmemory-policy noeviction >"$state/redis.out" 2>&1 &
  echo $! > "$state/redis.pid"
  for _ in $(seq 100); do
    if REDISCLI_AUTH=$password redis-cli -h "$server_ip" -p "$port" ping 2>/dev/null | grep -q PONG; then
      trap - ERR
      echo "KVSLO_FLEET_REDIS=redis://$server_ip:$port"
      echo "KVSLO_FLEET_PASSWORD_FILE=$state/password"
      echo "KVSLO_FLEET_HOSTS=${hosts_list#,}"
      echo "KVSLO_FLEET_AGENT=$(cd "$(dirname "$0")" && pwd)/netns-launch-agent"
      echo "KVSLO_FLEET_RATE=$rate"
      return 0
    fi
    sleep 0.1
  done
  echo "fleet-testbed: redis-server did not come up; its log is in $state" >&2
  down
  exit 1
}

case "$action" in
  up) up ;;
  down) down ;;
  *) echo "usage: scripts/fleet-testbed.sh up|down [--hosts 2] [--rate 1gbit] [--name kvf]" >&2; exit 2 ;;
esac

#pragma once
// Ports for the servers kvslo starts itself (redis-server, iperf3 -s) on loopback.

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace kvslo {

// A loopback port free when asked. Another process could take it before
// our server binds it: the caller checks the server really listens there
// (listens_on) and retries with a new port if not.
std::uint16_t pick_free_port();

// Whether process `pid` holds the socket listening on TCP `port` (from
// /proc/net/tcp{,6} and the process's descriptors): a probe that connects
// may have reached whoever took the port first. nullopt when /proc cannot tell.
std::optional<bool> listens_on(pid_t pid, std::uint16_t port);

}  // namespace kvslo

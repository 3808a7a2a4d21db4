#pragma once
// What a cluster's redirections say, and where they point: shared by the
// routed clients and the routed control commands. Pure: no I/O.

#include <string>
#include <string_view>

#include "net/endpoint.hpp"

namespace kvslo::cluster {

// Rounds of MOVED/ASK a key (or a group of keys) follows before its
// redirection is reported as its error.
inline constexpr int kMaxRedirects = 5;

// "MOVED 3999 127.0.0.1:6381" or "ASK 3999 127.0.0.1:6381" (`kind` MOVED or
// ASK): the target address, or "" when `message` is not that redirection.
std::string redirect_target(const std::string& message, std::string_view kind);
// The endpoint of one node at `address` ("host:port", an IPv6 host possibly
// in brackets), with the seed's credentials, as a single server (not a
// cluster endpoint). Throws std::invalid_argument for a malformed address.
net::Endpoint node_endpoint(const net::Endpoint& seed, const std::string& address);
// "host:port" of one node, as Shard::address() writes it (a unix socket: its path).
std::string node_address(const net::Endpoint& node);

}  // namespace kvslo::cluster

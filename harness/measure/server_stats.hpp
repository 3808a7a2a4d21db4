#pragma once
// What the Redis server itself says about a measurement (INFO): the CPU it
// spent, so a figure can say whether the server's one thread was the limit,
// and how many GETs found no key. On a cluster endpoint, every primary is
// asked and the figures summed (or kept per node).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/endpoint.hpp"

namespace kvslo {

// used_cpu_user + used_cpu_sys of the server process so far, in seconds
// (a cluster's: of all its primaries).
double server_cpu_seconds(const net::Endpoint& endpoint);
// The same per server: one entry, or one per primary of a cluster ("host:port").
struct NodeCpu {
  std::string address;
  double seconds = 0;
};
std::vector<NodeCpu> server_cpu_by_node(const net::Endpoint& endpoint);
// The CPU each node spent between two readings, for the nodes in both (a
// primary that failed or appeared in between has no delta).
std::vector<NodeCpu> cpu_deltas(const std::vector<NodeCpu>& before, const std::vector<NodeCpu>& after);
// Their sum: none unless both readings name the same nodes.
std::optional<double> cpu_spent(const std::vector<NodeCpu>& before, const std::vector<NodeCpu>& after);
// keyspace_misses: GETs that found no key, for peers that do not check replies.
std::uint64_t keyspace_misses(const net::Endpoint& endpoint);

}  // namespace kvslo

#include "cluster/topology_reader.hpp"

#include "command_channel.hpp"

namespace kvslo::cluster {

ClusterTopology read_topology(const net::Endpoint& node, std::chrono::milliseconds timeout) {
  CommandChannel channel(node, timeout);
  const resp::Reply shards = channel.call({"CLUSTER", "SHARDS"});
  // A node that does not know its own address is reached where it was asked.
  const std::string asked = node.kind == net::Endpoint::Kind::kTcp ? node.host : "";
  // Before 7.0 CLUSTER SHARDS is an unknown subcommand: CLUSTER SLOTS says the same.
  if (shards.is_error()) {
    const resp::Reply slots = channel.call({"CLUSTER", "SLOTS"});
    if (slots.is_error()) throw TopologyError(node.display() + " is not a cluster node: it answered " + slots.text);
    return ClusterTopology::from_slots(slots, asked);
  }
  return ClusterTopology::from_shards(shards, asked);
}

}  // namespace kvslo::cluster

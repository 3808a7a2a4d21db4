#pragma once
// Multi-key control commands (DEL, EXISTS) over one server or a whole
// cluster. A cluster refuses a command whose keys are in different slots
// (CROSSSLOT), so there the keys are grouped by slot and each group sent to
// the primary that owns it; a MOVED (a slot that moved since) re-reads the
// topology and sends the group again. Set-up and clean-up, not measurement:
// one blocking connection per node.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cluster/cluster_topology.hpp"
#include "command_channel.hpp"
#include "net/endpoint.hpp"

namespace kvslo::cluster {

class RoutedCommands {
 public:
  // A cluster endpoint (endpoint.cluster) is read for its topology here.
  // Throws net::NetError or TopologyError when it cannot be.
  RoutedCommands(net::Endpoint endpoint, std::chrono::milliseconds timeout);
  ~RoutedCommands();

  // `command key...` over `keys`, in as few calls as the server takes; the
  // sum of the integer replies (keys deleted, keys that exist). Throws
  // std::runtime_error with the server's text on any other reply.
  std::int64_t sum_over_keys(std::string_view command, std::span<const std::string> keys);
  // Every primary, as a single-server endpoint: the one server when not a cluster.
  std::vector<net::Endpoint> primaries() const;

 private:
  // Keys of one slot (or any keys on one server).
  std::int64_t send(std::string_view command, std::span<const std::string> keys);
  net::Endpoint owner_of(std::string_view key) const;
  CommandChannel& channel(const net::Endpoint& node);

  net::Endpoint endpoint_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<ClusterTopology> topology_;  // null: one server
  std::map<std::string, std::unique_ptr<CommandChannel>> channels_;  // by node address
};

}  // namespace kvslo::cluster

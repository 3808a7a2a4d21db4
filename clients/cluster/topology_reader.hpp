#pragma once
// Reading a cluster's topology from one of its nodes: CLUSTER SHARDS, or
// CLUSTER SLOTS on a server before 7.0.

#include <chrono>

#include "cluster/cluster_topology.hpp"
#include "net/endpoint.hpp"

namespace kvslo::cluster {

// Throws TopologyError (a reply that is not a topology) or net::NetError (the node did not answer).
ClusterTopology read_topology(const net::Endpoint& node, std::chrono::milliseconds timeout);

}  // namespace kvslo::cluster

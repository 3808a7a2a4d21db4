#pragma once
// A private Redis Cluster for one run or one test: N redis-server primaries
// in cluster mode on loopback (each an EmbeddedRedis: free port, private dir,
// persistence off, the same random password, which also authenticates the
// cluster bus), the slots cut into N balanced ranges, formed with CLUSTER
// ADDSLOTSRANGE and CLUSTER MEET over kvslo's own connections (so the
// password never reaches a command line, as it would with redis-cli --cluster
// create), and ready once every node says cluster_state:ok and knows every
// other. Stopped on destruction.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cluster/cluster_topology.hpp"
#include "net/endpoint.hpp"
#include "system/embedded_redis.hpp"

namespace kvslo {

struct EmbeddedClusterOptions {
  ServerKind kind = ServerKind::kRedis;  // redis-server or valkey-server nodes (the same cluster commands)
  int primaries = 3;
  std::uint64_t maxmemory_bytes_per_node = 0;  // 0: no limit
  std::string requirepass;                    // empty: no AUTH
  std::vector<std::pair<std::string, std::string>> config;  // extra directives for every node (io-threads)
  std::chrono::milliseconds form_timeout{30000};
};

class EmbeddedCluster {
 public:
  // Throws std::runtime_error naming the node and what it said when a node
  // does not start or the cluster does not form in time.
  explicit EmbeddedCluster(EmbeddedClusterOptions options);
  ~EmbeddedCluster();
  EmbeddedCluster(const EmbeddedCluster&) = delete;
  EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;

  std::size_t size() const { return nodes_.size(); }
  EmbeddedRedis& node(std::size_t i) { return *nodes_.at(i); }
  // The first node's endpoint (with the password), marked as a cluster's:
  // the seed any client reads the topology from.
  net::Endpoint endpoint() const {
    net::Endpoint seed = nodes_.front()->endpoint();
    seed.cluster = true;
    return seed;
  }
  // The topology as the first node reports it (CLUSTER SHARDS).
  cluster::ClusterTopology topology() const;

 private:
  void form();
  // Until every node is ok and knows all N, or the deadline (then throws).
  void wait_until_formed(std::chrono::steady_clock::time_point deadline) const;

  EmbeddedClusterOptions options_;
  std::vector<std::unique_ptr<EmbeddedRedis>> nodes_;
  std::vector<std::uint16_t> bus_ports_;  // each node's cluster-port
};

}  // namespace kvslo

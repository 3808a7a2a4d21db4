#pragma once
// A point over a Redis Cluster, shard by shard: the keys each primary
// served, the verified bytes, its chunk latencies and failed keys, the CPU
// each node spent over the timed trials, and the redirections the client
// followed. A shard is known by its primary's address, so a slot that moves
// during the run counts on its new owner once the client has seen it move.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/cluster_client.hpp"
#include "cluster/cluster_topology.hpp"
#include "measure/server_stats.hpp"

namespace kvslo {

class ShardLedger {
 public:
  explicit ShardLedger(cluster::ClusterTopology topology);

  // The client's topology after it re-read it (a MOVED).
  void use_topology(cluster::ClusterTopology topology);
  // One timed key: `ok` when it succeeded and verified, with the payload bytes it moved.
  void count(std::string_view key, bool ok, std::uint64_t bytes, double latency_ns);
  // Each node's CPU around one trial.
  void add_server_cpu(const std::vector<NodeCpu>& before, const std::vector<NodeCpu>& after);
  void set_redirects(const cluster::RedirectCounts& counts) { redirects_ = counts; }

  // {"shards": [{address, slots, keys, failed_keys, bytes, share_of_bytes,
  //  chunk_latency, server_cpu_seconds}], "bytes_max_over_mean", "redirects"}
  nlohmann::json to_json() const;

 private:
  struct Shard {
    std::size_t slots = 0;
    std::uint64_t keys = 0, failed_keys = 0, bytes = 0;
    std::vector<double> chunk_latency_ns;
    double server_cpu_seconds = 0;
    bool cpu_known = false;
  };
  Shard& shard_of(std::string_view key);

  cluster::ClusterTopology topology_;
  std::map<std::string, Shard> shards_;  // by primary address
  cluster::RedirectCounts redirects_;
};

}  // namespace kvslo

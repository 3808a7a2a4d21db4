#include "measure/shard_ledger.hpp"

#include <algorithm>

#include "cluster/key_slot.hpp"
#include "measure/stats.hpp"

namespace kvslo {

ShardLedger::ShardLedger(cluster::ClusterTopology topology) { use_topology(std::move(topology)); }

void ShardLedger::use_topology(cluster::ClusterTopology topology) {
  topology_ = std::move(topology);
  for (auto& [address, shard] : shards_) shard.slots = 0;
  for (const auto& s : topology_.shards()) shards_[s.address()].slots = s.slot_count();
}

ShardLedger::Shard& ShardLedger::shard_of(std::string_view key) {
  const int shard = topology_.shard_of(cluster::key_slot(key));
  return shards_[shard < 0 ? "(no primary)" : topology_.shards()[static_cast<std::size_t>(shard)].address()];
}

void ShardLedger::count(std::string_view key, bool ok, std::uint64_t bytes, double latency_ns) {
  Shard& s = shard_of(key);
  if (!ok) {
    ++s.failed_keys;
    return;
  }
  ++s.keys;
  s.bytes += bytes;
  s.chunk_latency_ns.push_back(latency_ns);
}

void ShardLedger::add_server_cpu(const std::vector<NodeCpu>& before, const std::vector<NodeCpu>& after) {
  for (const auto& node : cpu_deltas(before, after)) {
    Shard& s = shards_[node.address];
    s.server_cpu_seconds += node.seconds;
    s.cpu_known = true;
  }
}

nlohmann::json ShardLedger::to_json() const {
  std::uint64_t total = 0, most = 0;
  std::size_t serving = 0;
  for (const auto& [address, s] : shards_) {
    total += s.bytes;
    most = std::max(most, s.bytes);
    if (s.slots > 0) ++serving;
  }
  nlohmann::json shards = nlohmann::json::array();
  for (const auto& [address, s] : shards_) {
    shards.push_back({{"address", address},
                      {"slots", s.slots},
                      {"keys", s.keys},
                      {"failed_keys", s.failed_keys},
                      {"bytes", s.bytes},
                      {"share_of_bytes", total > 0 ? static_cast<double>(s.bytes) / static_cast<double>(total) : 0.0},
                      {"chunk_latency", kvslo::to_json(summarize(s.chunk_latency_ns), 1e-6, "ms")},
                      {"server_cpu_seconds", s.cpu_known ? nlohmann::json(s.server_cpu_seconds) : nlohmann::json(nullptr)}});
  }
  // 1.0: every primary moved the same bytes; N (of N shards): one moved them all.
  const double mean = serving > 0 ? static_cast<double>(total) / static_cast<double>(serving) : 0;
  return {{"shards", shards},
          {"bytes_max_over_mean", mean > 0 ? nlohmann::json(static_cast<double>(most) / mean) : nlohmann::json(nullptr)},
          {"redirects", {{"moved", redirects_.moved}, {"ask", redirects_.ask}, {"topology_refreshes", redirects_.refreshes}}}};
}

}  // namespace kvslo

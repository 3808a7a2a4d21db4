#pragma once
// Any kvslo client over a Redis Cluster. The batch is split by the shard
// that owns each key's slot (the topology read from the endpoint it was given,
// any node), each shard's part is served by that shard's own client (its own
// connections: `streams` and `threads` are per shard), the shards at once,
// and every key's outcome lands where it was in the batch.
//
// Redirections are handled inside:
//   MOVED  the topology is read again and the key retried on its new owner;
//   ASK    the key is served once on the named node after ASKING (a slot
//          being migrated: a slow path over a control connection, copied
//          into the caller's buffer, since it lasts only while the slot moves);
// both counted, up to kMaxRedirects rounds, then a per-key error. TRYAGAIN,
// CLUSTERDOWN and every other error reply stay per-key errors with the
// server's text.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "batch_job.hpp"
#include "cluster/cluster_topology.hpp"
#include "cluster/redirect.hpp"
#include "kv_client.hpp"

namespace kvslo::cluster {

struct RedirectCounts {
  std::uint64_t moved = 0;        // MOVED replies (each a key retried on its new owner)
  std::uint64_t ask = 0;          // ASK replies (each a key served after ASKING)
  std::uint64_t refreshes = 0;    // topology reads after the first
};

class ClusterClient final : public KvClient {
 public:
  using ShardClientFactory = std::function<std::unique_ptr<KvClient>(const ClientOptions&)>;

  // Reads the topology from `options.endpoint` (throws TopologyError or
  // net::NetError when it cannot, or when a slot has no primary);
  // `make_shard_client` builds the client each shard gets.
  ClusterClient(ClientOptions options, std::string name, ShardClientFactory make_shard_client);
  ~ClusterClient() override;

  BatchResult batch_set(std::span<const std::string_view> keys, std::span<const ConstBuffer> values) override;
  BatchResult batch_get(std::span<const std::string_view> keys, std::span<const MutableBuffer> buffers) override;
  BatchResult batch_exists(std::span<const std::string_view> keys, std::span<bool> present) override;
  std::string_view name() const override { return name_; }
  std::vector<ConnectionInfo> connections() const override;

  RedirectCounts redirects() const;
  ClusterTopology topology() const;

 private:
  BatchResult run(const BatchJob& job);
  // Serves `indexes` of `job` on their shards, at once (a redirected key
  // comes back as a server error with the MOVED or ASK text).
  void serve_round(const BatchJob& job, const std::vector<std::size_t>& indexes);
  void serve_asked(const BatchJob& job, std::size_t index, const std::string& address);
  KvClient& client_for(const Shard& shard);
  void refresh_topology();

  ClientOptions options_;
  std::string name_;
  ShardClientFactory make_shard_client_;
  mutable std::mutex mutex_;  // topology_, clients_, counts_
  ClusterTopology topology_;
  std::map<std::string, std::unique_ptr<KvClient>> clients_;  // by primary address
  RedirectCounts counts_;
};

}  // namespace kvslo::cluster

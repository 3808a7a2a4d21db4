// The embedded Redis Cluster against real redis-server processes: it forms,
// covers every slot, and the slot kvslo computes for a key is the slot the
// cluster routes it to (a node that does not own it answers MOVED to the one
// the topology names).
#include <gtest/gtest.h>

#include <string>

#include "cluster/key_slot.hpp"
#include "command_channel.hpp"
#include "system/embedded_cluster.hpp"

namespace kvslo {
namespace {

using namespace std::chrono_literals;

TEST(EmbeddedCluster, FormsWithEverySlotCoveredAndRoutesAsKvsloComputes) {
  EmbeddedClusterOptions options;
  options.primaries = 3;
  options.requirepass = "cluster-test-secret";
  EmbeddedCluster cluster(options);
  const auto topology = cluster.topology();
  ASSERT_EQ(topology.shards().size(), 3u) << topology.describe();
  EXPECT_NO_THROW(topology.require_full_coverage());
  EXPECT_EQ(topology.describe().find("cluster-test-secret"), std::string::npos);

  for (const std::string key : {"foo", "kvslo:4194304:17", "{pinned}:a", "{pinned}:b"}) {
    const auto slot = cluster::key_slot(key);
    const int owner = topology.shard_of(slot);
    ASSERT_GE(owner, 0);
    CommandChannel admin(cluster.endpoint(), 2000ms);
    EXPECT_EQ(admin.call({"CLUSTER", "KEYSLOT", key}).integer, slot) << key;
    // Every node either owns the key's slot or redirects to the owner the topology names.
    for (std::size_t i = 0; i < cluster.size(); ++i) {
      CommandChannel node(cluster.node(i).endpoint(), 2000ms);
      const auto reply = node.call({"SET", key, "v"});
      const auto& shard = topology.shards()[static_cast<std::size_t>(owner)];
      if (shard.port == cluster.node(i).port()) {
        EXPECT_FALSE(reply.is_error()) << reply.describe();
      } else {
        EXPECT_EQ(reply.text, "MOVED " + std::to_string(slot) + " " + shard.address()) << key;
      }
    }
  }
}

TEST(EmbeddedCluster, OneNodeIsAClusterToo) {
  EmbeddedCluster cluster({.primaries = 1, .maxmemory_bytes_per_node = 0, .requirepass = "", .config = {}, .form_timeout = 30000ms});
  const auto topology = cluster.topology();
  ASSERT_EQ(topology.shards().size(), 1u);
  EXPECT_NO_THROW(topology.require_full_coverage());
}

// valkey-server nodes form the same cluster with the same commands.
TEST(EmbeddedCluster, ValkeyNodesFormAClusterToo) {
  EmbeddedClusterOptions options;
  options.kind = ServerKind::kValkey;
  options.primaries = 2;
  options.requirepass = "valkey-cluster-secret";
  EmbeddedCluster cluster(options);
  const auto topology = cluster.topology();
  ASSERT_EQ(topology.shards().size(), 2u) << topology.describe();
  EXPECT_NO_THROW(topology.require_full_coverage());
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    EXPECT_EQ(cluster.node(i).version().rfind("8.", 0), 0u) << "node " << i << ": " << cluster.node(i).version();
  }
}

}  // namespace
}  // namespace kvslo

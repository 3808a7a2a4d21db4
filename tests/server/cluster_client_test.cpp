// kvslo's clients over a real 3-shard Redis Cluster (EmbeddedCluster): keys
// routed by slot, a batch spread over every shard, hashtags pinning a batch
// to one, MOVED after a slot moves and ASK while it moves, and a killed
// primary failing only its own keys.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster_client.hpp"
#include "cluster/key_slot.hpp"
#include "cluster/topology_reader.hpp"
#include "command_channel.hpp"
#include "registry.hpp"
#include "system/embedded_cluster.hpp"

namespace kvslo {
namespace {

using namespace std::chrono_literals;
using cluster::ClusterClient;

class ClusterClients : public ::testing::TestWithParam<std::string> {
 protected:
  static EmbeddedClusterOptions options() {
    EmbeddedClusterOptions o;
    o.primaries = 3;
    o.requirepass = "cluster-client-test-secret";
    return o;
  }
  std::unique_ptr<ClusterClient> client(const EmbeddedCluster& c, int streams = 2) {
    ClientOptions o;
    o.endpoint = c.endpoint();
    o.streams = streams;
    o.threads = GetParam() == "tiled" ? streams : 1;
    o.op_timeout = 3000ms;
    const std::string name = GetParam();
    return std::make_unique<ClusterClient>(o, name, [name](const ClientOptions& shard) { return make_client(name, shard); });
  }
  static std::vector<std::byte> value_of(std::size_t i, std::size_t size) {
    std::vector<std::byte> v(size);
    for (std::size_t j = 0; j < size; ++j) v[j] = static_cast<std::byte>((i * 131 + j) & 0xff);
    return v;
  }
  struct Batch {
    std::vector<std::string> names;
    std::vector<std::string_view> keys;
    std::vector<std::vector<std::byte>> values;
    std::vector<ConstBuffer> sent;
    std::vector<std::vector<std::byte>> out;
    std::vector<MutableBuffer> buffers;
    Batch(std::vector<std::string> n, std::size_t size) : names(std::move(n)) {
      for (std::size_t i = 0; i < names.size(); ++i) {
        keys.emplace_back(names[i]);
        values.push_back(value_of(i, size));
        out.emplace_back(size, std::byte{0});
      }
      for (auto& v : values) sent.emplace_back(v);
      for (auto& o : out) buffers.emplace_back(o);
    }
  };
  static std::vector<std::string> names(const std::string& prefix, std::size_t n) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
    return out;
  }
};

TEST_P(ClusterClients, ABatchSpreadOverEveryShardRoundTrips) {
  EmbeddedCluster c(options());
  auto kv = client(c);
  Batch b(names("spread:", 48), 64 << 10);
  std::set<int> shards;
  for (auto k : b.keys) shards.insert(kv->topology().shard_of(cluster::key_slot(k)));
  ASSERT_EQ(shards.size(), 3u) << "the batch reaches every shard";
  const auto set = kv->batch_set(b.keys, b.sent);
  ASSERT_TRUE(set.all_ok()) << set.first_failure();
  const auto got = kv->batch_get(b.keys, b.buffers);
  ASSERT_TRUE(got.all_ok()) << got.first_failure();
  EXPECT_EQ(b.out, b.values);
  std::vector<std::string_view> probe{b.keys[0], "spread:absent", b.keys[47]};
  bool present[3] = {};
  const auto exists = kv->batch_exists(probe, present);
  ASSERT_TRUE(exists.all_ok()) << exists.first_failure();
  EXPECT_TRUE(present[0]);
  EXPECT_FALSE(present[1]);
  EXPECT_TRUE(present[2]);
  EXPECT_EQ(kv->redirects().moved, 0u);
  EXPECT_EQ(kv->connections().size(), 6u) << "two streams per shard";
}

TEST_P(ClusterClients, AHashtagPinsABatchToOneShard) {
  EmbeddedCluster c(options());
  auto kv = client(c);
  Batch b(names("{request-7}:chunk:", 16), 4096);
  const auto slot = cluster::key_slot(b.keys[0]);
  for (auto k : b.keys) EXPECT_EQ(cluster::key_slot(k), slot);
  ASSERT_TRUE(kv->batch_set(b.keys, b.sent).all_ok());
  ASSERT_TRUE(kv->batch_get(b.keys, b.buffers).all_ok());
  EXPECT_EQ(b.out, b.values);
  EXPECT_EQ(kv->connections().size(), 2u) << "only the owning shard was connected";
}

// Moves `slot` (and its keys) from its owner to another primary, as redis-cli --cluster reshard does.
void move_slot(EmbeddedCluster& c, std::uint16_t slot, bool finish, const std::vector<std::string>& keys_to_move) {
  const auto topology = c.topology();
  const auto& from = topology.shards()[static_cast<std::size_t>(topology.shard_of(slot))];
  const auto& to = topology.shards()[(static_cast<std::size_t>(topology.shard_of(slot)) + 1) % topology.shards().size()];
  auto node_of = [&](const cluster::Shard& s) -> EmbeddedRedis& {
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (c.node(i).port() == s.port) return c.node(i);
    }
    throw std::runtime_error("no node at " + s.address());
  };
  CommandChannel source(node_of(from).endpoint(), 5000ms), target(node_of(to).endpoint(), 5000ms);
  const std::string s = std::to_string(slot);
  target.call_ok({"CLUSTER", "SETSLOT", s, "IMPORTING", from.node_id});
  source.call_ok({"CLUSTER", "SETSLOT", s, "MIGRATING", to.node_id});
  for (const auto& key : keys_to_move) {
    source.call_ok({"MIGRATE", "127.0.0.1", std::to_string(to.port), key, "0", "5000", "AUTH", "cluster-client-test-secret"});
  }
  if (!finish) return;
  for (std::size_t i = 0; i < c.size(); ++i) {
    CommandChannel node(c.node(i).endpoint(), 5000ms);
    node.call_ok({"CLUSTER", "SETSLOT", s, "NODE", to.node_id});
  }
  // As redis-cli --cluster reshard does, until every node agrees: gossip
  // still in flight can otherwise send a client round in MOVED circles.
  const auto agreed_by = std::chrono::steady_clock::now() + 5s;
  for (std::size_t i = 0; i < c.size(); ++i) {
    while (std::chrono::steady_clock::now() < agreed_by) {
      const auto seen = cluster::read_topology(c.node(i).endpoint(), 2000ms);
      if (seen.shards()[static_cast<std::size_t>(seen.shard_of(slot))].node_id == to.node_id) break;
      std::this_thread::sleep_for(20ms);
    }
  }
}

TEST_P(ClusterClients, AMovedSlotIsFollowedAndCounted) {
  EmbeddedCluster c(options());
  auto kv = client(c);
  Batch b(names("{moving}:", 8), 8192);
  ASSERT_TRUE(kv->batch_set(b.keys, b.sent).all_ok());
  move_slot(c, cluster::key_slot(b.keys[0]), true, b.names);
  const auto got = kv->batch_get(b.keys, b.buffers);  // with the topology read before the move
  ASSERT_TRUE(got.all_ok()) << got.first_failure();
  EXPECT_EQ(b.out, b.values);
  EXPECT_EQ(kv->redirects().moved, 8u);
  EXPECT_GE(kv->redirects().refreshes, 1u);
}

TEST_P(ClusterClients, AKeyOfASlotBeingMigratedIsServedAfterAsking) {
  EmbeddedCluster c(options());
  auto kv = client(c);
  Batch b(names("{migrating}:", 4), 8192);
  ASSERT_TRUE(kv->batch_set(b.keys, b.sent).all_ok());
  // Half the keys moved, the slot still migrating: those get ASK, the rest are served where they are.
  move_slot(c, cluster::key_slot(b.keys[0]), false, {b.names[0], b.names[1]});
  const auto got = kv->batch_get(b.keys, b.buffers);
  ASSERT_TRUE(got.all_ok()) << got.first_failure();
  EXPECT_EQ(b.out, b.values);
  EXPECT_EQ(kv->redirects().ask, 2u);
  EXPECT_EQ(kv->redirects().moved, 0u);
}

TEST_P(ClusterClients, AKilledPrimaryFailsOnlyItsOwnKeys) {
  EmbeddedCluster c(options());
  auto kv = client(c);
  Batch b(names("killed:", 30), 4096);
  ASSERT_TRUE(kv->batch_set(b.keys, b.sent).all_ok());
  const auto topology = kv->topology();
  c.node(2).kill_now();
  const auto got = kv->batch_get(b.keys, b.buffers);
  std::size_t failed = 0;
  for (std::size_t i = 0; i < b.keys.size(); ++i) {
    const auto& shard = topology.shards()[static_cast<std::size_t>(topology.shard_of(cluster::key_slot(b.keys[i])))];
    if (shard.port == c.node(2).port()) {
      EXPECT_EQ(got.keys[i].status, KeyStatus::kIoError) << b.names[i] << ": " << got.keys[i].message;
      EXPECT_FALSE(got.keys[i].message.empty());
      ++failed;
    } else {
      EXPECT_EQ(got.keys[i].status, KeyStatus::kOk) << b.names[i] << ": " << got.keys[i].message;
      EXPECT_EQ(b.out[i], b.values[i]);
    }
  }
  EXPECT_GT(failed, 0u);
  EXPECT_LT(failed, b.keys.size());
  for (const auto& k : got.keys) EXPECT_EQ(k.message.find("cluster-client-test-secret"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Clients, ClusterClients, ::testing::Values("hiredis", "zerocopy", "tiled"),
                         [](const auto& param_info) { return param_info.param; });

TEST(ClusterClient, FaultMatrix_AServerThatIsNotAClusterIsRefusedClearly) {
  EmbeddedRedis plain({.kind = ServerKind::kRedis, .maxmemory_bytes = 0, .requirepass = "plain-secret", .unix_socket = false,
                       .config = {}, .start_timeout = 10000ms});
  ClientOptions o;
  o.endpoint = plain.endpoint();
  try {
    ClusterClient kv(o, "zerocopy", [](const ClientOptions& shard) { return make_client("zerocopy", shard); });
    FAIL() << "a plain server was taken for a cluster";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("is not a cluster node: it answered ERR This instance has cluster support disabled"),
              std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find(plain.endpoint().password), std::string::npos);
  }
}

}  // namespace
}  // namespace kvslo

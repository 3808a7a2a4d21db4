// Redis Cluster's pure parts: the hash slot of a key (CRC16 and hashtags, as
// the cluster specification gives them) and the topology read from CLUSTER
// SHARDS and CLUSTER SLOTS replies, with what kvslo refuses.
#include <gtest/gtest.h>

#include <string>

#include "cluster/cluster_topology.hpp"
#include "cluster/key_slot.hpp"

namespace kvslo::cluster {
namespace {

using resp::Reply;

Reply bulk(std::string s) { return {Reply::Type::kBulk, std::move(s), 0, {}}; }
Reply integer(std::int64_t v) { return {Reply::Type::kInteger, {}, v, {}}; }
Reply array(std::vector<Reply> e) { return {Reply::Type::kArray, {}, 0, std::move(e)}; }

TEST(KeySlot, Crc16IsXmodemAsRedisComputesIt) {
  EXPECT_EQ(crc16("123456789"), 0x31C3);  // the check value of CRC-16/XMODEM
  EXPECT_EQ(crc16(""), 0);
}

TEST(KeySlot, SlotsOfKnownKeys) {
  // As `CLUSTER KEYSLOT` answers (and the cluster specification's examples).
  EXPECT_EQ(key_slot("foo"), 12182);
  EXPECT_EQ(key_slot("bar"), 5061);
  EXPECT_EQ(key_slot("hello"), 866);
}

TEST(KeySlot, HashtagsFollowTheSpecification) {
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("user1000"));
  EXPECT_EQ(hashed_part("foo{}{bar}"), "foo{}{bar}");  // an empty tag: the whole key
  EXPECT_EQ(hashed_part("foo{{bar}}zap"), "{bar");     // from the first '{' to the first '}' after it
  EXPECT_EQ(hashed_part("foo{bar}{zap}"), "bar");      // only the first tag
  EXPECT_EQ(hashed_part("foo{bar"), "foo{bar");        // no closing brace
  EXPECT_EQ(hashed_part("}{x}"), "x");
}

// One CLUSTER SHARDS entry: slots as flat start/end pairs, nodes as flat maps.
Reply shard(std::vector<std::int64_t> slots, const std::string& id, std::int64_t port, const std::string& role = "master",
            const std::string& endpoint = "127.0.0.1") {
  std::vector<Reply> slot_list;
  for (auto s : slots) slot_list.push_back(integer(s));
  Reply node = array({bulk("id"), bulk(id), bulk("port"), integer(port), bulk("ip"), bulk("10.0.0.9"), bulk("endpoint"),
                      bulk(endpoint), bulk("role"), bulk(role), bulk("health"), bulk("online")});
  Reply replica = array({bulk("id"), bulk(id + "-replica"), bulk("port"), integer(port + 1), bulk("ip"), bulk("127.0.0.1"),
                         bulk("endpoint"), bulk("127.0.0.1"), bulk("role"), bulk("replica")});
  return array({bulk("slots"), array(std::move(slot_list)), bulk("nodes"), array({replica, node})});
}

TEST(ClusterTopology, FromShardsKeepsPrimariesAndTheirSlots) {
  const auto t = ClusterTopology::from_shards(
      array({shard({0, 5460}, "a", 7000), shard({5461, 10922}, "b", 7001), shard({10923, 16000, 16001, 16383}, "c", 7002)}));
  ASSERT_EQ(t.shards().size(), 3u);
  EXPECT_EQ(t.shards()[1].address(), "127.0.0.1:7001");
  EXPECT_EQ(t.shards()[1].node_id, "b");
  EXPECT_EQ(t.shard_of(0), 0);
  EXPECT_EQ(t.shard_of(5461), 1);
  EXPECT_EQ(t.shard_of(16383), 2);
  EXPECT_EQ(t.shard_of(key_slot("foo")), 2);
  EXPECT_NO_THROW(t.require_full_coverage());
  EXPECT_EQ(t.describe(), "3 shards: 127.0.0.1:7000 owns 0-5460, 127.0.0.1:7001 owns 5461-10922, 127.0.0.1:7002 owns "
                          "10923-16000 16001-16383");
}

TEST(ClusterTopology, AnUnknownEndpointFallsBackToTheIp) {
  const auto t = ClusterTopology::from_shards(array({shard({0, 16383}, "a", 7000, "master", "?")}));
  EXPECT_EQ(t.shards()[0].host, "10.0.0.9");
}

TEST(ClusterTopology, ANodeThatDoesNotKnowItsAddressIsReachedWhereItWasAsked) {
  const auto t = ClusterTopology::from_shards(array({shard({0, 16383}, "a", 7000, "master", "")}), "127.0.0.2");
  EXPECT_EQ(t.shards()[0].host, "10.0.0.9") << "the IP, when known";
  Reply unknown = array({bulk("slots"), array({integer(0), integer(16383)}), bulk("nodes"),
                         array({array({bulk("id"), bulk("a"), bulk("port"), integer(7000), bulk("ip"), bulk(""), bulk("endpoint"),
                                       bulk(""), bulk("role"), bulk("master")})})});
  EXPECT_EQ(ClusterTopology::from_shards(array({unknown}), "127.0.0.2").shards()[0].host, "127.0.0.2");
  EXPECT_THROW(ClusterTopology::from_shards(array({unknown})), TopologyError);
}

TEST(ClusterTopology, AGapIsNamedWithItsRange) {
  const auto t = ClusterTopology::from_shards(array({shard({0, 5460}, "a", 7000), shard({5471, 16383}, "b", 7001)}));
  try {
    t.require_full_coverage();
    FAIL() << "a gap was accepted";
  } catch (const TopologyError& e) {
    EXPECT_NE(std::string(e.what()).find("slots 5461-5470 (10 slots) are served by no primary"), std::string::npos) << e.what();
  }
  EXPECT_EQ(t.shard_of(5465), -1);
}

TEST(ClusterTopology, FromSlotsAsOlderServersAnswer) {
  auto range = [](std::int64_t first, std::int64_t last, const std::string& host, std::int64_t port, const std::string& id) {
    return array({integer(first), integer(last), array({bulk(host), integer(port), bulk(id)}),
                  array({bulk(host), integer(port + 100), bulk(id + "r")})});
  };
  const auto t = ClusterTopology::from_slots(array({range(0, 8000, "127.0.0.1", 7000, "a"), range(8001, 16383, "127.0.0.1", 7001, "b"),
                                                    range(100, 99 + 1, "127.0.0.1", 7000, "a")}));
  ASSERT_EQ(t.shards().size(), 2u) << "two ranges of one primary are one shard";
  EXPECT_EQ(t.shard_of(8001), 1);
  EXPECT_NO_THROW(t.require_full_coverage());
}

TEST(ClusterTopology, FaultMatrix_RepliesThatAreNotATopologyAreRefusedWithWhere) {
  auto message = [](const Reply& r, bool shards) {
    try {
      shards ? ClusterTopology::from_shards(r) : ClusterTopology::from_slots(r);
    } catch (const TopologyError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message({Reply::Type::kError, "ERR unknown command 'CLUSTER'", 0, {}}, true).find("CLUSTER SHARDS: expected an array"),
            std::string::npos);
  EXPECT_NE(message(array({shard({0, 16384}, "a", 7000)}), true).find("a slot from 0 to 16383"), std::string::npos);
  EXPECT_NE(message(array({shard({10, 5}, "a", 7000)}), true).find("end is not before its start"), std::string::npos);
  EXPECT_NE(message(array({shard({0, 100}, "a", 70000)}), true).find("a port from 1 to 65535"), std::string::npos);
  EXPECT_NE(message(array({shard({0, 100}, "a", 7000, "replica")}), true).find("a primary"), std::string::npos);
  EXPECT_NE(message(array({shard({0, 100}, "a", 7000), shard({50, 200}, "b", 7001)}), true).find("slot 50 is owned by two primaries"),
            std::string::npos);
  EXPECT_NE(message(array({array({integer(0), integer(5)})}), false).find("CLUSTER SLOTS range 0: expected an array of at least 3"),
            std::string::npos);
}

}  // namespace
}  // namespace kvslo::cluster

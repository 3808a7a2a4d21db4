// kvslo against Redis Cluster end to end: an embedded cluster per point
// (shards, key_spread), a user's cluster named with redis-cluster://, slots
// moved while a point runs (every key still verified, the redirections
// counted), and a primary killed mid-run (its keys fail per key, the other
// shards' keys succeed, the points already finished stay on disk).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "cluster/key_slot.hpp"
#include "command_channel.hpp"
#include "support/kvslo_process.hpp"
#include "support/scratch_dir.hpp"
#include "system/embedded_cluster.hpp"

namespace kvslo {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kPassword = "cluster-run-test-secret";

EmbeddedClusterOptions three_primaries() {
  return {.primaries = 3, .maxmemory_bytes_per_node = 0, .requirepass = kPassword, .config = {}, .form_timeout = 30000ms};
}

std::string url_of(EmbeddedCluster& c) { return "redis-cluster://127.0.0.1:" + std::to_string(c.node(0).port()); }
std::string password_environment() { return std::string("KVSLO_REDIS_PASSWORD=") + kPassword; }

// The node of `c` that listens on `port`.
EmbeddedRedis& node_at(EmbeddedCluster& c, std::uint16_t port) {
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (c.node(i).port() == port) return c.node(i);
  }
  throw std::runtime_error("no node at port " + std::to_string(port));
}

std::size_t total_keys(const nlohmann::json& point) {
  std::size_t n = 0;
  for (const auto& s : point["cluster"]["shards"]) n += s["keys"].get<std::size_t>();
  return n;
}

using ClusterRun = testing::ScratchDirTest;

TEST_F(ClusterRun, AnEmbeddedClusterPerPointMeasuresEveryShard) {
  const auto out = dir_ / "r.json";
  const auto o = testing::run_kvslo("run --client zerocopy,hiredis --embedded-cluster 1,3 --key-spread spread,hashtag "
                                    "--chunk-size 256KiB --chunks-per-batch 8 --working-set 24MiB --trials 2 --warmup 1 --out " +
                                    out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("starting an embedded Redis Cluster of 3 primaries"), std::string::npos) << o.output;
  EXPECT_EQ(o.output.find(kPassword), std::string::npos);
  const auto j = read(out);
  ASSERT_EQ(j["points"].size(), 8u);
  for (const auto& p : j["points"]) {
    SCOPED_TRACE(p["label"].get<std::string>());
    EXPECT_EQ(p["status"], "ok") << p["errors"];
    const int shards = p["parameters"]["shards"].get<int>();
    ASSERT_TRUE(p["cluster"].is_object());
    EXPECT_EQ(p["cluster"]["shards"].size(), static_cast<std::size_t>(shards));
    EXPECT_EQ(p["redis_settings_actual"]["shards"], shards);
    EXPECT_EQ(p["cluster"]["redirects"]["moved"], 0);
    // Every timed key counted on one shard, and every shard of a spread layout served some.
    EXPECT_EQ(total_keys(p), p["key_status_counts"]["ok"].get<std::size_t>());
    const bool hashtag = p["parameters"].value("key_spread", "spread") == "hashtag";
    for (const auto& s : p["cluster"]["shards"]) {
      EXPECT_EQ(s["failed_keys"], 0);
      if (!hashtag) {
        EXPECT_GT(s["keys"].get<std::size_t>(), 0u) << s;
      }
      EXPECT_TRUE(s["server_cpu_seconds"].is_number()) << s;
    }
    EXPECT_NE(p["label"].get<std::string>().find("shards=" + std::to_string(shards)), std::string::npos);
  }
  // The console and the report show each shard's share.
  EXPECT_NE(o.output.find("busiest/mean"), std::string::npos) << o.output;
  const auto report = testing::run_kvslo("report " + out.string() + " --out " + (dir_ / "report").string());
  ASSERT_EQ(report.exit_code, 0) << report.output;
  std::ifstream md(dir_ / "report" / "report.md");
  const std::string text((std::istreambuf_iterator<char>(md)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("## Redis Cluster: per-shard balance"), std::string::npos);
  EXPECT_NE(text.find("busiest/mean"), std::string::npos);
}

TEST_F(ClusterRun, AUserClusterIsFoundOutFromAnyNode) {
  EmbeddedCluster cluster(three_primaries());
  const auto out = dir_ / "r.json";
  // redis://, not redis-cluster://: INFO says it is a cluster node.
  const auto o = testing::run_kvslo("run --client tiled --threads 2 --streams 2 --chunk-size 256KiB --chunks-per-batch 8 "
                                    "--working-set 8MiB --trials 1 --redis redis://127.0.0.1:" +
                                        std::to_string(cluster.node(1).port()) + " --out " + out.string(),
                                    password_environment());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("is a Redis Cluster node"), std::string::npos) << o.output;
  const auto j = read(out);
  EXPECT_EQ(j["environment"]["redis"]["cluster"]["shards"].size(), 3u) << j["environment"]["redis"];
  EXPECT_EQ(j["points"][0]["status"], "ok") << j["points"][0]["errors"];
  // A client that talks to one server is refused clearly, not fed MOVED errors.
  const auto py = testing::run_kvslo("run --client redis-py --chunk-size 256KiB --chunks-per-batch 8 --working-set 4MiB --trials 1 --redis " +
                                         url_of(cluster) + " --out " + (dir_ / "py.json").string(),
                                     password_environment());
  EXPECT_EQ(py.exit_code, 1) << py.output;
  EXPECT_NE(py.output.find("redis-py is not routed over a Redis Cluster yet"), std::string::npos) << py.output;
  // kvslo deleted what it wrote, on every shard.
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    EXPECT_EQ(CommandChannel(cluster.node(i).endpoint(), 2000ms).call({"DBSIZE"}).integer, 0) << "node " << i;
  }
}

TEST_F(ClusterRun, SlotsMovedDuringARunAreFollowedAndEveryKeyStillVerifies) {
  EmbeddedCluster cluster(three_primaries());
  const std::string prefix = "reshard";
  constexpr std::size_t kKeys = 32, kChunk = 256 << 10;
  const auto out = dir_ / "r.json";
  testing::Outcome o;
  std::atomic<bool> done{false};
  std::jthread run([&] {  // joined however the test ends (an ASSERT, a throw)
    // Long enough for many moves, bounded in time so that a sanitized build takes no longer.
    o = testing::run_kvslo("run --client zerocopy --key-prefix " + prefix + " --chunk-size 256KiB --chunks-per-batch 8 "
                           "--working-set 8MiB --batches 1000000 --trials 1 --set workload.time_limit_per_point=4s "
                           "--redis " + url_of(cluster) + " --out " + out.string(),
                           password_environment());
    done = true;
  });
  // Meanwhile, the slots of the dataset's keys move from shard to shard, one at a time.
  std::set<std::uint16_t> slots;
  for (std::size_t i = 0; i < kKeys; ++i) slots.insert(cluster::key_slot(prefix + ":" + std::to_string(kChunk) + ":" + std::to_string(i)));
  std::size_t moves = 0;
  std::this_thread::sleep_for(500ms);  // the load, then the timed batches
  while (!done) {
    for (std::uint16_t slot : slots) {
      if (done) break;
      const auto topology = cluster.topology();
      const auto& from = topology.shards()[static_cast<std::size_t>(topology.shard_of(slot))];
      const auto& to = topology.shards()[(static_cast<std::size_t>(topology.shard_of(slot)) + 1) % topology.shards().size()];
      CommandChannel source(node_at(cluster, from.port).endpoint(), 5000ms), target(node_at(cluster, to.port).endpoint(), 5000ms);
      const std::string s = std::to_string(slot);
      target.call_ok({"CLUSTER", "SETSLOT", s, "IMPORTING", from.node_id});
      source.call_ok({"CLUSTER", "SETSLOT", s, "MIGRATING", to.node_id});
      for (;;) {
        const resp::Reply keys = source.call_ok({"CLUSTER", "GETKEYSINSLOT", s, "100"});
        if (keys.elements.empty()) break;
        for (const auto& key : keys.elements) {
          source.call_ok({"MIGRATE", "127.0.0.1", std::to_string(to.port), key.text, "0", "5000", "AUTH", kPassword});
        }
      }
      for (std::size_t i = 0; i < cluster.size(); ++i) {
        CommandChannel(cluster.node(i).endpoint(), 5000ms).call_ok({"CLUSTER", "SETSLOT", s, "NODE", to.node_id});
      }
      ++moves;
      std::this_thread::sleep_for(20ms);
    }
  }
  run.join();
  ASSERT_EQ(o.exit_code, 0) << o.output;
  ASSERT_GT(moves, 0u);
  const auto p = read(out)["points"][0];
  EXPECT_EQ(p["status"], "ok") << p["errors"];
  EXPECT_EQ(p["verify_failures"], 0);
  EXPECT_GT(p["key_status_counts"]["ok"].get<std::size_t>(), 0u);
  std::size_t not_ok = 0;
  for (const auto& [status, count] : p["key_status_counts"].items()) {
    if (status != "ok") not_ok += count.get<std::size_t>();
  }
  EXPECT_EQ(not_ok, 0u) << p["key_status_counts"];
  const auto& redirects = p["cluster"]["redirects"];
  EXPECT_GT(redirects["moved"].get<std::uint64_t>() + redirects["ask"].get<std::uint64_t>(), 0u)
      << moves << " slot moves, " << redirects;
  EXPECT_EQ(o.output.find("could not be deleted"), std::string::npos) << o.output;
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    EXPECT_EQ(CommandChannel(cluster.node(i).endpoint(), 2000ms).call({"DBSIZE"}).integer, 0) << "node " << i;
  }
}

TEST_F(ClusterRun, APrimaryKilledMidRunFailsItsKeysAndTheFinishedPointsStay) {
  EmbeddedCluster cluster(three_primaries());
  const auto out = dir_ / "r.json";
  testing::Outcome o;
  std::atomic<bool> done{false};
  // A quick point, then a long one: the primary dies during the second.
  std::jthread run([&] {  // joined however the test ends
    o = testing::run_kvslo("run --client zerocopy --chunk-size 128KiB,1MiB --chunks-per-batch 8 --working-set 16MiB "
                           "--batches 100000 --trials 2 --set workload.time_limit_per_point=3s --interleave off --redis " + url_of(cluster) + " --out " + out.string(),
                           password_environment());
    done = true;
  });
  const std::uint16_t victim = cluster.node(2).port();
  auto gets_served = [&] {
    const std::string stats = CommandChannel(cluster.node(2).endpoint(), 2000ms).call_ok({"INFO", "commandstats"}).text;
    const auto at = stats.find("cmdstat_get:calls=");
    return at == std::string::npos ? 0ull : std::stoull(stats.substr(at + 18));
  };
  // Once the first point is on disk...
  while (!done) {
    std::error_code ignored;
    if (fs::exists(out, ignored)) {
      try {
        if (read(out)["points"].size() >= 1) break;
      } catch (const std::exception&) {
        // written atomically, but read it again rather than trust a race
      }
    }
    std::this_thread::sleep_for(10ms);
  }
  // ...and the second is past its load and warm-up (the victim serves its timed GETs), the primary dies.
  const auto first_point_gets = gets_served();
  while (!done && gets_served() < first_point_gets + 200) std::this_thread::sleep_for(10ms);
  ASSERT_FALSE(done) << "the run ended before the primary could be killed: " << o.output;
  cluster.node(2).kill_now();
  run.join();
  EXPECT_NE(o.exit_code, 0) << o.output;
  const auto j = read(out);
  ASSERT_EQ(j["points"].size(), 2u) << o.output;
  EXPECT_EQ(j["points"][0]["status"], "ok") << j["points"][0]["errors"];
  const auto& hurt = j["points"][1];
  EXPECT_NE(hurt["status"], "ok");
  EXPECT_TRUE(hurt["failure"].is_null()) << hurt["failure"];  // measured, with per-key errors
  EXPECT_GT(hurt["key_status_counts"]["io_error"].get<std::size_t>() + hurt["key_status_counts"]["timeout"].get<std::size_t>(), 0u)
      << hurt["key_status_counts"];
  ASSERT_FALSE(hurt["errors"].empty());
  EXPECT_NE(hurt["errors"].dump().find(std::to_string(victim)), std::string::npos) << hurt["errors"];
  // The living shards kept serving: their keys succeeded, the dead one's failed.
  for (const auto& s : hurt["cluster"]["shards"]) {
    const bool dead = s["address"] == "127.0.0.1:" + std::to_string(victim);
    SCOPED_TRACE(s.dump());
    if (dead) {
      EXPECT_GT(s["failed_keys"].get<std::size_t>(), 0u);
    } else {
      EXPECT_GT(s["keys"].get<std::size_t>(), 0u);
      EXPECT_EQ(s["failed_keys"], 0);
    }
  }
  EXPECT_EQ(o.output.find(kPassword), std::string::npos);
}

}  // namespace
}  // namespace kvslo

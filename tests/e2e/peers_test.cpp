// The reference peers end to end: real iperf3, redis-benchmark and redis-py
// beside kvslo's clients on one embedded redis-server, marked as peers, with
// what they cannot express written down, and the side-by-side comparison.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "command_channel.hpp"
#include "run/side_by_side.hpp"
#include "support/kvslo_process.hpp"
#include "support/scratch_dir.hpp"
#include "system/embedded_cluster.hpp"
#include "system/embedded_redis.hpp"

namespace kvslo {
namespace {

namespace fs = std::filesystem;

class Peers : public testing::ScratchDirTest {
 protected:
  const nlohmann::json& point_of(const nlohmann::json& j, const std::string& client) {
    for (const auto& p : j["points"]) {
      if (p["parameters"]["client"] == client) return p;
    }
    throw std::runtime_error("no point of " + client);
  }
};

constexpr const char* kSmall = "--working-set 32MiB --chunk-size 1MiB --chunks-per-batch 8 --trials 2 --warmup 1";

TEST_F(Peers, EveryPeerRunsBesideTheClientsAndIsMarked) {
  const auto out = dir_ / "r.json";
  auto o = testing::run_kvslo(std::string("run ") + kSmall +
                              " --client iperf3,null,zerocopy,redis-benchmark,redis-py --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("Clients and peers side by side"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("The bar"), std::string::npos) << o.output;
  const auto j = read(out);
  ASSERT_EQ(j["points"].size(), 5u);
  for (const auto& p : j["points"]) {
    EXPECT_EQ(p["status"], "ok") << p.dump(2);
    EXPECT_GT(p["throughput_gbps"]["median"].get<double>(), 0) << p["parameters"]["client"];
    EXPECT_EQ(p["trials"].size(), 2u) << p["parameters"]["client"];
    if (p["parameters"]["client"] == "zerocopy") {
      EXPECT_TRUE(p["peer"].is_null());
    } else {
      ASSERT_TRUE(p["peer"].is_object()) << p["parameters"]["client"];
      EXPECT_FALSE(p["peer"]["limits"].empty()) << p["parameters"]["client"];
    }
  }
  // The wire in the GET direction, and the others measured against it.
  const auto& iperf = point_of(j, "iperf3");
  EXPECT_EQ(iperf["peer"]["runs"][0]["direction"], "server to client (-R)");
  EXPECT_FALSE(iperf["slo"]["applicable"].get<bool>());
  EXPECT_FALSE(point_of(j, "null")["slo"]["applicable"].get<bool>());
  const auto& zerocopy = point_of(j, "zerocopy");
  EXPECT_EQ(zerocopy["wire_gbps"], iperf["throughput_gbps"]["median"]);
  EXPECT_GT(zerocopy["pct_of_wire"].get<double>(), 0);
  // redis-benchmark read every one of its requests from a present key.
  const auto& benchmark = point_of(j, "redis-benchmark");
  EXPECT_EQ(benchmark["key_status_counts"]["ok"], 2 * 32);
  EXPECT_EQ(benchmark["key_status_counts"]["missing"], 0);
  EXPECT_EQ(benchmark["peer"]["command"][0].get<std::string>().find("redis-benchmark") != std::string::npos, true);
  // redis-py read the chunks and checked them.
  const auto& py = point_of(j, "redis-py");
  EXPECT_EQ(py["key_status_counts"]["ok"], 2 * 32);
  EXPECT_EQ(py["verify_failures"], 0);
  EXPECT_EQ(py["batch_latency_samples_ms"].size(), 8u);
  // The null client neither verifies nor connects.
  EXPECT_EQ(point_of(j, "null")["parameters"]["verify"], false);
  EXPECT_TRUE(point_of(j, "null")["connections"].empty());
  // One table row per point, and the bars that this set of clients allows.
  ASSERT_EQ(j["side_by_side"]["table"].size(), 5u);
  std::set<std::string> bars;
  for (const auto& b : j["side_by_side"]["bars"]) bars.insert(b["name"]);
  EXPECT_TRUE(bars.count("best kvslo get vs iperf3 -R"));
  EXPECT_TRUE(bars.count("zerocopy (fixed) vs best redis-py"));
  EXPECT_TRUE(bars.count("best kvslo vs redis-benchmark"));
  // redis-benchmark's own keys are gone again; kvslo's dataset was dropped at the end.
}

TEST_F(Peers, RedisPySetWritesChunksThatKvsloVerifies) {
  const auto scenario = dir_ / "s.json";
  std::ofstream(scenario) << R"({"workload": {"working_set": "16MiB", "chunk_size": "1MiB", "chunks_per_batch": 8,
                                              "trials": 1, "warmup_batches": 0},
                                 "axes": {"op": ["set", "get"], "client": ["zerocopy", "redis-py"]}})";
  const auto out = dir_ / "r.json";
  auto o = testing::run_kvslo("run " + scenario.string() + " --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const auto j = read(out);
  ASSERT_EQ(j["points"].size(), 4u);
  // Point 2, a zerocopy GET, reads what redis-py's SET (point 1) wrote last.
  EXPECT_EQ(j["points"][1]["parameters"]["client"], "redis-py");
  EXPECT_EQ(j["points"][2]["parameters"]["client"], "zerocopy");
  EXPECT_EQ(j["points"][2]["verify_failures"], 0) << j["points"][2].dump(2);
  EXPECT_EQ(j["points"][2]["key_status_counts"]["ok"], 16);
}

TEST_F(Peers, WhatAPeerCannotDoIsRefusedBeforeAnythingRuns) {
  const auto out = dir_ / "r.json";
  auto o = testing::run_kvslo(std::string("run ") + kSmall + " --client redis-py --op exists --out " + out.string());
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_NE(o.output.find("client redis-py: has no EXISTS"), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(out));
  o = testing::run_kvslo(std::string("run ") + kSmall + " --client no-such-peer --out " + out.string());
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_NE(o.output.find("redis-benchmark, redis-py"), std::string::npos) << "the error lists the peers: " << o.output;
}

TEST_F(Peers, AMissingPeerProgramFailsItsPointOnly) {
  // A redis-benchmark that is not there: its point fails with what to
  // install, the kvslo point beside it runs.
  EmbeddedRedis server;
  const auto out = dir_ / "r.json";
  auto o = testing::run_kvslo(std::string("run ") + kSmall + " --client redis-benchmark,zerocopy --redis redis://127.0.0.1:" +
                                  std::to_string(server.port()) + " --out " + out.string(),
                              "KVSLO_REDIS_BENCHMARK=/nonexistent/redis-benchmark");
  EXPECT_EQ(o.exit_code, 1) << o.output;
  const auto j = read(out);
  ASSERT_EQ(j["points"].size(), 2u);
  EXPECT_EQ(j["points"][0]["status"], "failed");
  EXPECT_NE(j["points"][0]["failure"].get<std::string>().find("apt-get install redis-tools"), std::string::npos);
  EXPECT_EQ(j["points"][1]["status"], "ok");
}

// A point that took `rounds` turns with the others of group 0, as steady as `drift` allows:
// round r runs at `gbps` x drift^r (the host slows down or speeds up for all alike).
PointMeasurement measured(const std::string& client, double gbps, double cpu_seconds, int rounds = 6, double drift = 1.0,
                          int group = 0) {
  PointMeasurement m;
  m.spec.client = client;
  m.turn_group = group;
  for (int r = 0; r < rounds; ++r) {
    TrialFigures t;
    t.bytes = static_cast<std::uint64_t>(gbps * 1e9);
    t.seconds = std::pow(drift, -r);
    t.cpu_seconds = cpu_seconds;
    t.round = r;
    m.trials.push_back(t);
  }
  return m;
}

TEST(SideBySide, BarsCompareWithinAGroupOnly) {
  std::vector<PointMeasurement> points{measured("iperf3", 4.0, 0.5), measured("hiredis", 1.0, 0.5),
                                       measured("zerocopy", 3.9, 0.1), measured("redis-py", 1.0, 1.0),
                                       measured("redis-benchmark", 2.0, 0.6)};
  PointMeasurement other_streams = measured("hiredis", 10.0, 0.1);
  other_streams.spec.streams = 2;
  points.push_back(other_streams);
  const SideBySide s = compare_side_by_side(points);
  ASSERT_EQ(s.table.size(), 6u);
  std::map<std::string, BarCheck> bars;
  for (const auto& b : s.bars) {
    if (b.group == "get 4MiB streams=1") bars[b.name] = b;
  }
  ASSERT_EQ(bars.size(), 5u);
  EXPECT_NEAR(bars["best kvslo get vs iperf3 -R"].ratio.estimate, 3.9 / 4.0, 1e-9);
  EXPECT_TRUE(bars["best kvslo get vs iperf3 -R"].met());
  EXPECT_NEAR(bars["zerocopy (fixed) vs hiredis, GB/s"].ratio.estimate, 3.9, 1e-9);
  // CPU per GB: 0.1/3.9 against 0.5/1.0, at most 0.4x.
  EXPECT_NEAR(bars["zerocopy (fixed) vs hiredis, CPU s/GB"].ratio.estimate, (0.1 / 3.9) / 0.5, 1e-9);
  EXPECT_TRUE(bars["zerocopy (fixed) vs hiredis, CPU s/GB"].met());
  EXPECT_TRUE(bars["zerocopy (fixed) vs best redis-py"].met());
  EXPECT_NEAR(bars["best kvslo vs redis-benchmark"].ratio.estimate, 3.9 / 2.0, 1e-9);
  // A run without peers has nothing to compare side by side.
  EXPECT_TRUE(compare_side_by_side({measured("hiredis", 1, 1), measured("zerocopy", 2, 1)}).empty());
}

const BarCheck& bar_named(const SideBySide& s, const std::string& name) {
  for (const auto& b : s.bars) {
    if (b.name == name) return b;
  }
  throw std::runtime_error("no bar " + name);
}

TEST(SideBySide, PairedRoundsDecideThroughDriftThatUnpairedTrialsCannot) {
  // The host slows by 15% a round: zerocopy is 1.4x hiredis in every round.
  const SideBySide paired =
      compare_side_by_side({measured("iperf3", 4.0, 0.5, 8, 0.85), measured("hiredis", 1.0, 0.5, 8, 0.85),
                            measured("zerocopy", 1.4, 0.1, 8, 0.85)});
  const BarCheck& p = bar_named(paired, "zerocopy (fixed) vs hiredis, GB/s");
  EXPECT_TRUE(p.paired);
  EXPECT_NEAR(p.ratio.low, 1.4, 1e-9);
  EXPECT_EQ(p.decision(), BarDecision::kMet);
  // The same trials measured one point after the other (no turns) cannot tell 1.4x from 1.3x.
  const SideBySide apart =
      compare_side_by_side({measured("iperf3", 4.0, 0.5, 8, 0.85, 1), measured("hiredis", 1.0, 0.5, 8, 0.85, 2),
                            measured("zerocopy", 1.4, 0.1, 8, 0.85, 3)});
  const BarCheck& a = bar_named(apart, "zerocopy (fixed) vs hiredis, GB/s");
  EXPECT_FALSE(a.paired);
  EXPECT_EQ(a.decision(), BarDecision::kUndecided);
  EXPECT_LT(a.ratio.low, 1.3);
  // Three rounds reach only 75%: undecided however clear the ratio, and the table says why.
  const SideBySide few = compare_side_by_side({measured("iperf3", 4.0, 0.5, 3), measured("hiredis", 1.0, 0.5, 3),
                                               measured("zerocopy", 2.0, 0.1, 3)});
  EXPECT_EQ(bar_named(few, "zerocopy (fixed) vs hiredis, GB/s").decision(), BarDecision::kUndecided);
  std::ostringstream printed;
  few.print(printed);
  EXPECT_NE(printed.str().find("3 rounds reach only 75%"), std::string::npos) << printed.str();
  EXPECT_NE(printed.str().find("UNDECIDED"), std::string::npos);
  const nlohmann::json j = bar_named(few, "zerocopy (fixed) vs hiredis, GB/s").to_json();
  EXPECT_EQ(j["decision"], "UNDECIDED");
  EXPECT_EQ(j["rounds"], 3);
  EXPECT_FALSE(j["met"].get<bool>());
}

// redis-benchmark --cluster on a Redis Cluster: SET points only, as a throwaway
// ACL user on every primary, its keys (key:{tag}:NNNNNNNNNNNN) required
// absent before and deleted after, the user's own keys left alone.
constexpr const char* kClusterPassword = "peers-cluster-test-secret";
constexpr const char* kClusterSmall =
    " --chunk-size 256KiB --chunks-per-batch 8 --working-set 8MiB --trials 2 --warmup 1";

EmbeddedClusterOptions three_primaries() {
  return {.primaries = 3, .maxmemory_bytes_per_node = 0, .requirepass = kClusterPassword, .config = {},
          .form_timeout = std::chrono::milliseconds(30000)};
}

std::string cluster_url(EmbeddedCluster& c) { return "redis-cluster://127.0.0.1:" + std::to_string(c.node(0).port()); }
std::string cluster_password() { return std::string("KVSLO_REDIS_PASSWORD=") + kClusterPassword; }

resp::Reply call(EmbeddedRedis& node, std::initializer_list<std::string_view> arguments) {
  return CommandChannel(node.endpoint(), std::chrono::milliseconds(3000)).call(arguments);
}

// SET on whichever node owns the key's slot (the others answer MOVED); the node's index.
std::size_t set_on_owner(EmbeddedCluster& c, const std::string& key, const std::string& value) {
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (!call(c.node(i), {"SET", key, value}).is_error()) return i;
  }
  throw std::runtime_error("no node took " + key);
}

TEST_F(Peers, RedisBenchmarkSetsOnAnEmbeddedClusterWithItsLimitsRecorded) {
  const auto out = dir_ / "r.json";
  auto o = testing::run_kvslo(std::string("run --client redis-benchmark --op set --embedded-cluster 3") + kClusterSmall +
                              " --out " + out.string());
  ASSERT_TRUE(fs::exists(out)) << o.output;
  const auto j = read(out);
  ASSERT_EQ(o.exit_code, 0) << o.output << j.dump(2);
  ASSERT_EQ(j["points"].size(), 1u);
  const auto& p = j["points"][0];
  EXPECT_EQ(p["status"], "ok") << p.dump(2);
  EXPECT_GT(p["throughput_gbps"]["median"].get<double>(), 0);
  EXPECT_EQ(p["trials"].size(), 2u);
  EXPECT_EQ(p["key_status_counts"]["ok"], 2 * 32);
  EXPECT_EQ(p["peer"]["cluster"]["primaries"], 3);
  const std::string limits = p["peer"]["cluster"]["limits"];
  EXPECT_NE(limits.find("never follows MOVED"), std::string::npos) << limits;
  EXPECT_NE(limits.find("SET only"), std::string::npos) << limits;
  EXPECT_NE(p["peer"]["limits"].dump().find("--cluster: SET only"), std::string::npos) << p["peer"]["limits"];
  const auto& command = p["peer"]["command"];
  EXPECT_NE(std::find(command.begin(), command.end(), "--cluster"), command.end()) << command.dump();
  // The embedded cluster has a password: redis-benchmark ran as a throwaway user, its password not shown.
  EXPECT_NE(std::find(command.begin(), command.end(), "--user"), command.end()) << command.dump();
  EXPECT_NE(std::find(command.begin(), command.end(), "***"), command.end()) << command.dump();
}

TEST_F(Peers, RedisBenchmarkOnAUsersClusterLeavesNeitherKeysNorItsUserBehind) {
  EmbeddedCluster cluster(three_primaries());
  for (std::size_t i = 0; i < 20; ++i) set_on_owner(cluster, "user:data:" + std::to_string(i), "keep");
  std::vector<std::int64_t> before;
  for (std::size_t i = 0; i < cluster.size(); ++i) before.push_back(call(cluster.node(i), {"DBSIZE"}).integer);

  const auto out = dir_ / "r.json";
  auto o = testing::run_kvslo("run --client redis-benchmark --op set --redis " + cluster_url(cluster) + kClusterSmall +
                                  " --out " + out.string(),
                              cluster_password());
  ASSERT_TRUE(fs::exists(out)) << o.output;
  const auto j = read(out);
  ASSERT_EQ(o.exit_code, 0) << o.output << j.dump(2);
  EXPECT_EQ(o.output.find(kClusterPassword), std::string::npos);
  const auto& p = j["points"][0];
  EXPECT_EQ(p["status"], "ok") << p.dump(2);
  EXPECT_EQ(p["peer"]["cluster"]["primaries"], 3);
  EXPECT_GT(p["throughput_gbps"]["median"].get<double>(), 0);
  EXPECT_EQ(p.dump().find(kClusterPassword), std::string::npos);
  // Every node holds what it held before (the user's keys, none of redis-benchmark's), and no kvslo-peer user.
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    EXPECT_EQ(call(cluster.node(i), {"DBSIZE"}).integer, before[i]) << "node " << i;
    const resp::Reply users = call(cluster.node(i), {"ACL", "LIST"});
    for (const auto& user : users.elements) EXPECT_EQ(user.text.find("kvslo-peer"), std::string::npos) << user.text;
  }
}

TEST_F(Peers, RedisBenchmarkGetOnAClusterFailsNamingTheLimit) {
  EmbeddedCluster cluster(three_primaries());
  const auto out = dir_ / "r.json";
  auto o = testing::run_kvslo("run --client redis-benchmark --op get --redis " + cluster_url(cluster) + kClusterSmall +
                                  " --out " + out.string(),
                              cluster_password());
  EXPECT_EQ(o.exit_code, 1) << o.output;
  const auto j = read(out);
  const auto& p = j["points"][0];
  EXPECT_EQ(p["status"], "failed");
  const std::string failure = p["failure"];
  EXPECT_NE(failure.find("cannot GET a dataset of the point's size"), std::string::npos) << failure;
  EXPECT_NE(failure.find("SET points run on a cluster"), std::string::npos) << failure;
  for (std::size_t i = 0; i < cluster.size(); ++i) EXPECT_EQ(call(cluster.node(i), {"DBSIZE"}).integer, 0);
}

TEST_F(Peers, RedisBenchmarkRefusesAClusterThatHoldsAKeyOfItsShape) {
  EmbeddedCluster cluster(three_primaries());
  // Of its shape (a three-character tag, a number within the keyspace): kvslo would delete it afterwards.
  const std::string key = "key:{abc}:000000000007";
  const std::size_t owner = set_on_owner(cluster, key, "the user's");
  // Not of its shape (another tag length): never refused over, never deleted.
  const std::string other = "key:{user:42}:000000000001";
  const std::size_t other_owner = set_on_owner(cluster, other, "also the user's");
  const auto out = dir_ / "r.json";
  auto o = testing::run_kvslo("run --client redis-benchmark --op set --redis " + cluster_url(cluster) + kClusterSmall +
                                  " --out " + out.string(),
                              cluster_password());
  EXPECT_EQ(o.exit_code, 1) << o.output;
  const auto j = read(out);
  const std::string failure = j["points"][0]["failure"];
  EXPECT_NE(failure.find("1 keys named as redis-benchmark --cluster names its keys"), std::string::npos) << failure;
  EXPECT_NE(failure.find(key), std::string::npos) << failure;
  EXPECT_EQ(call(cluster.node(owner), {"GET", key}).text, "the user's");
  EXPECT_EQ(call(cluster.node(other_owner), {"GET", other}).text, "also the user's");
  // Refused before anything ran: no throwaway user is left either.
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    for (const auto& user : call(cluster.node(i), {"ACL", "LIST"}).elements) {
      EXPECT_EQ(user.text.find("kvslo-peer"), std::string::npos) << user.text;
    }
  }
}

}  // namespace
}  // namespace kvslo

// The field table: one declaration per field gives the label, the variant,
// the recorded parameters and the identity the gate and the report match on.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "experiment/client_catalog.hpp"
#include "experiment/fields.hpp"
#include "net/kernel_tls.hpp"
#include "experiment/models.hpp"
#include "experiment/scenario.hpp"
#include "cluster/key_slot.hpp"
#include "measure/dataset.hpp"

namespace kvslo {
namespace {

using nlohmann::json;

TEST(FieldTable, LabelsReadAsTheyAlwaysHave) {
  PointSpec p;
  p.client = "zerocopy";
  p.rcvbuf = 16 << 20;
  EXPECT_EQ(point_label(p), "zerocopy get 4MiB x64 streams=1 depth=8 rcvbuf=16MiB");
  p.client = "tiled";
  p.streams = 4;
  p.threads = 2;
  p.inflight = 2;
  p.fixed_size = false;
  p.layout = Layout::kWithMetadata;
  p.arrival = {ArrivalMode::kPoisson, 10, 1};
  p.redis_settings["io-threads"] = "2";
  EXPECT_EQ(point_variant(p), "generic with-metadata rcvbuf=16MiB inflight=2 poisson@10/s io-threads=2");
  EXPECT_EQ(point_label(p), "tiled get 4MiB x64 streams=4 threads=2 depth=8 " + point_variant(p));
  EXPECT_EQ(point_variant(PointSpec{}), "");
}

TEST(FieldTable, IdentityLeavesOutHowAPointIsMeasured) {
  PointSpec a;
  PointSpec b = a;
  b.trials = 9;
  b.warmup_batches = 0;
  b.key_prefix = "other";
  b.op_timeout = std::chrono::milliseconds(5);
  b.working_set = 2ull << 30;
  b.verify = false;
  EXPECT_EQ(point_identity(a.to_json()), point_identity(b.to_json()));
  b.streams = 2;
  EXPECT_NE(point_identity(a.to_json()), point_identity(b.to_json()));
  // A reference client is matched on the workload alone.
  PointSpec c = a;
  c.client = "null";
  c.threads = 1;
  EXPECT_NE(point_identity(a.to_json()), point_identity(c.to_json()));
  EXPECT_EQ(point_identity(a.to_json(), true), point_identity(c.to_json(), true));
  // Derived keys say nothing more: a series over chunk size differs in one key.
  PointSpec d = a;
  d.chunk_size = 1 << 20;
  std::set<std::string> differing;
  const json ia = point_identity(a.to_json()), id = point_identity(d.to_json());
  for (const auto& [key, value] : ia.items()) {
    if (id[key] != value) differing.insert(key);
  }
  EXPECT_EQ(differing, std::set<std::string>{"chunk_size_bytes"});
}

TEST(FieldTable, EveryFieldIsReadRecordedAndNamedOnce) {
  std::set<std::string> names, flags, keys;
  const json parameters = point_parameters(PointSpec{});
  for (const auto& f : fields()) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name;
    EXPECT_TRUE(f.apply && f.record) << f.name;
    EXPECT_FALSE(f.help.empty()) << f.name;
    EXPECT_TRUE(f.shown == Shown::kHidden || f.show) << f.name;
    if (!f.flag.empty()) {
      EXPECT_TRUE(flags.insert(f.flag).second) << f.flag;
    }
    for (const auto& key : f.parameter_keys) EXPECT_TRUE(keys.insert(key).second) << key << " recorded by two fields";
    // A field records its own keys and what follows from them, nothing else
    // (a field added later may leave its default out).
    json own = json::object();
    f.record(PointSpec{}, own);
    for (const auto& [key, value] : own.items()) {
      const bool derived = key == "chunk_size" || key == "batch_bytes" || key == "keys";
      EXPECT_TRUE(derived || std::find(f.parameter_keys.begin(), f.parameter_keys.end(), key) != f.parameter_keys.end())
          << f.name << " records " << key;
      EXPECT_EQ(parameters[key], value) << key;
    }
    EXPECT_EQ(find_field(f.family() ? f.name + "io-threads" : f.name), &f);
  }
  EXPECT_EQ(find_field("colour"), nullptr);
}

TEST(FieldTable, AFlagAndItsSetReadTheSame) {
  const ModelTable models = ModelTable::load(scenario_directory() / "models.json");
  PointSpec by_flag, by_set;
  apply_field(by_flag, "sndbuf", "4MiB", "/x", Checker{"--sndbuf"}, models);
  apply_field(by_set, "sndbuf", json(std::uint64_t{4} << 20), "/x", Checker{"s.json"}, models);
  EXPECT_EQ(by_flag.sndbuf, by_set.sndbuf);
  try {
    apply_field(by_flag, "sndbuf", "0", "/workload/sndbuf", Checker{"--sndbuf"}, models);
    ADD_FAILURE() << "sndbuf 0";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("--sndbuf: at /workload/sndbuf"), std::string::npos) << e.what();
  }
}

// The receive axis, added through the field table alone: zerocopy and tiled
// can bounce GET payloads through a staging buffer; other clients cannot
// choose, so a sweep skips them; older results keep their identity.
TEST(FieldTable, ReceiveIsAnAxisOnlyInPlaceClientsCanBounce) {
  const ModelTable models = ModelTable::load(scenario_directory() / "models.json");
  ASSERT_NE(find_field("receive"), nullptr);
  EXPECT_TRUE(find_field("receive")->axis);
  PointSpec p;
  const json in_place = point_identity(p.to_json());
  EXPECT_FALSE(in_place.contains("receive"));  // as in a version-1 file
  apply_field(p, "receive", "bounce", "/axes/receive/0", Checker{"s.json"}, models);
  EXPECT_EQ(p.receive, Receive::kBounce);
  EXPECT_EQ(client_entry("zerocopy").rung_of(p), std::nullopt);  // a bounced point is on no rung
  EXPECT_EQ(point_identity(p.to_json())["receive"], "bounce");
  EXPECT_EQ(point_label(p), "zerocopy get 4MiB x64 streams=1 depth=8 bounce");
  p.client = "hiredis";
  EXPECT_THROW(p.validate(), std::invalid_argument);  // it has no in-place receive to replace
  p.client = "zerocopy";
  p.op = Op::kSet;
  EXPECT_THROW(p.validate(), std::invalid_argument);  // only a GET receives payloads
  // A client's own setting: a reference client is matched without it.
  EXPECT_FALSE(point_identity(p.to_json(), true).contains("receive"));
  Scenario s = Scenario::parse(R"({"axes": {"client": ["hiredis", "zerocopy"], "receive": ["in-place", "bounce"]}})",
                               "s.json", models);
  std::vector<SkippedPoint> skipped;
  EXPECT_EQ(s.expand(models, &skipped).size(), 3u);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].where, "client=hiredis, receive=bounce");
}

// The cluster's axes: shards (an embedded cluster per point, another
// dataset) and key_spread (a hashtag per batch); what cannot be routed is
// refused or skipped before anything runs; older results keep their identity.
TEST(FieldTable, TlsIsAWireNotADataset) {
  const ModelTable models = ModelTable::load(scenario_directory() / "models.json");
  PointSpec p;
  EXPECT_FALSE(point_identity(p.to_json()).contains("tls"));
  apply_field(p, "tls", "on", "/axes/tls/0", Checker{"s.json"}, models);
  EXPECT_EQ(point_label(p), "zerocopy get 4MiB x64 streams=1 depth=8 tls=on");
  EXPECT_EQ(point_identity(p.to_json())["tls"], "on");
  // The same server and keys: TLS and plain points take turns on one dataset.
  EXPECT_EQ(dataset_identity(p), dataset_identity(PointSpec{}));
  EXPECT_NO_THROW(p.validate());
  auto refused_because = [&](const PointSpec& q, const std::string& why) {
    try {
      q.validate();
      ADD_FAILURE() << point_label(q) << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  for (const auto& [client, why] : std::vector<std::pair<std::string, std::string>>{
           {"hiredis", "has no TLS"}, {"null", "no wire"}, {"iperf3", "stays plain"}}) {
    PointSpec q = p;
    q.client = client;
    refused_because(q, why);
  }
  PointSpec reference = p;
  reference.server = ServerKind::kReference;
  refused_because(reference, "reference server has no TLS");
  PointSpec cluster = p;
  cluster.shards = 3;
  refused_because(cluster, "cluster has no TLS");
  for (const char* other_process : {"redis-benchmark", "tiled-py"}) {
    PointSpec peer_ktls = p;
    peer_ktls.client = other_process;
    peer_ktls.tls = TlsMode::kKtls;
    refused_because(peer_ktls, "kTLS is asked for and read back in kvslo's own process only");
  }
  PointSpec ktls = p;
  ktls.tls = TlsMode::kKtls;
  if (const auto why_not = net::kernel_tls_unavailable()) {
    refused_because(ktls, *why_not);  // skipped in a sweep, with the kernel's reason
  } else {
    EXPECT_NO_THROW(ktls.validate());
  }
}

TEST(FieldTable, ShardsAndKeySpreadAreAxesOfTheirOwnDatasets) {
  const ModelTable models = ModelTable::load(scenario_directory() / "models.json");
  PointSpec p;
  const json one_server = point_identity(p.to_json());
  EXPECT_FALSE(one_server.contains("shards"));
  EXPECT_FALSE(one_server.contains("key_spread"));
  apply_field(p, "shards", 3, "/axes/shards/0", Checker{"s.json"}, models);
  apply_field(p, "key_spread", "hashtag", "/axes/key_spread/0", Checker{"s.json"}, models);
  EXPECT_EQ(point_label(p), "zerocopy get 4MiB x64 streams=1 depth=8 shards=3 hashtag");
  EXPECT_EQ(point_identity(p.to_json())["shards"], 3);
  EXPECT_NE(dataset_identity(p), dataset_identity(PointSpec{}));
  // A batch's chunks share a hashtag, the next batch has its own.
  p.chunks_per_batch = 4;
  EXPECT_EQ(chunk_key(p, 0), "kvslo:4194304:{b0}:0");
  EXPECT_EQ(cluster::key_slot(chunk_key(p, 3)), cluster::key_slot(chunk_key(p, 0)));
  EXPECT_EQ(chunk_key(p, 4), "kvslo:4194304:{b1}:4");
  EXPECT_EQ(chunk_key(PointSpec{}, 7), "kvslo:4194304:7");
  p.key_prefix = "team{a}";
  EXPECT_THROW(p.validate(), std::invalid_argument);  // its '{' would choose the slot
  p.key_prefix = "kvslo";
  EXPECT_NO_THROW(p.validate());
  p.chunks_per_batch = 3;  // 256 keys: batches would straddle two tags
  EXPECT_THROW(p.validate(), std::invalid_argument);
  p.chunks_per_batch = 4;
  for (const char* python : {"redis-py", "tiled-py"}) {
    p.client = python;
    EXPECT_THROW(p.validate(), std::invalid_argument) << python;  // talks to one server: routes nothing
  }
  p = PointSpec{};
  p.client = "redis-benchmark";
  p.shards = 3;
  EXPECT_THROW(p.validate(), std::invalid_argument);  // a GET on a cluster: its slot tags leave no dataset to read
  p.op = Op::kSet;
  EXPECT_NO_THROW(p.validate());
  p.shards = 2;
  EXPECT_THROW(p.validate(), std::invalid_argument);  // fewer than 3 primaries
  p = PointSpec{};
  p.shards = 2;
  p.server = ServerKind::kReference;
  EXPECT_THROW(p.validate(), std::invalid_argument);  // no cluster mode
  try {
    apply_field(p, "shards", 17, "/axes/shards/1", Checker{"s.json"}, models);
    ADD_FAILURE() << "17 shards";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("/axes/shards/1"), std::string::npos) << e.what();
  }
  Scenario s = Scenario::parse(R"({"axes": {"client": ["zerocopy", "redis-py"], "shards": [0, 3]}})", "s.json", models);
  std::vector<SkippedPoint> skipped;
  EXPECT_EQ(s.expand(models, &skipped).size(), 3u);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].where, "client=redis-py, shards=3");
}

// The server axis: valkey is a server of its own (its own dataset, shown in
// the label); of the redis. settings it takes io-threads, and
// io-threads-do-reads only as `yes` (what Valkey 8 always does).
TEST(FieldTable, ValkeyIsAServerOfItsOwnWithIoThreads) {
  const ModelTable models = ModelTable::load(scenario_directory() / "models.json");
  EXPECT_EQ(parse_enum<ServerKind>("valkey"), ServerKind::kValkey);
  EXPECT_EQ(to_string(ServerKind::kValkey), "valkey");
  PointSpec p;
  apply_field(p, "server", "valkey", "/axes/server/1", Checker{"s.json"}, models);
  apply_field(p, "redis.io-threads", 2, "/axes/redis.io-threads/1", Checker{"s.json"}, models);
  EXPECT_EQ(p.server, ServerKind::kValkey);
  EXPECT_EQ(point_label(p), "zerocopy get 4MiB x64 streams=1 depth=8 server=valkey io-threads=2");
  EXPECT_EQ(point_identity(p.to_json())["server"], "valkey");
  PointSpec on_redis = p;
  on_redis.server = ServerKind::kRedis;
  EXPECT_NE(dataset_identity(p), dataset_identity(on_redis));  // another server: loaded anew
  EXPECT_NO_THROW(p.validate());
  p.redis_settings["io-threads-do-reads"] = "yes";
  EXPECT_NO_THROW(p.validate());
  p.redis_settings["io-threads-do-reads"] = "no";
  try {
    p.validate();
    ADD_FAILURE() << "valkey with io-threads-do-reads no";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("Valkey 8 always reads in its I/O threads"), std::string::npos) << e.what();
  }
  p.redis_settings.erase("io-threads-do-reads");
  p.shards = 3;  // valkey-server nodes form a cluster as redis-server's do
  EXPECT_NO_THROW(p.validate());
  Scenario s = Scenario::parse(
      R"({"axes": {"server": ["redis", "valkey"], "redis.io-threads-do-reads": ["no", "yes"]}})", "s.json", models);
  std::vector<SkippedPoint> skipped;
  EXPECT_EQ(s.expand(models, &skipped).size(), 3u);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].where, "redis.io-threads-do-reads=no, server=valkey");
}

TEST(ClientCatalog, SaysWhatEachClientIs) {
  EXPECT_EQ(client_entry("hiredis").rung, 0);
  PointSpec generic;
  generic.client = "zerocopy";
  EXPECT_EQ(client_entry("zerocopy").rung_of(generic), 2);
  generic.fixed_size = false;
  EXPECT_EQ(client_entry("zerocopy").rung_of(generic), 1);
  EXPECT_EQ(client_entry("null").kind, ClientKind::kReference);
  EXPECT_FALSE(client_entry("null").judged_by_slo);
  EXPECT_FALSE(client_entry("iperf3").moves_redis_data);
  EXPECT_TRUE(client_entry("redis-py").reads_kvslo_dataset);
  EXPECT_TRUE(client_entry("redis-benchmark").loads_own_dataset);
  EXPECT_THROW(client_entry("jedis"), std::invalid_argument);
  EXPECT_EQ(client_entry("tiled").to_json(PointSpec{}),
            json({{"kind", "kvslo"}, {"rung", 3}, {"judged_by_slo", true}, {"moves_redis_data", true}}));
}

}  // namespace
}  // namespace kvslo

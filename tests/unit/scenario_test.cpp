// Scenario files: the model arithmetic, every shipped scenario, expansion,
// overrides, and errors that name the file, the JSON path and what was expected.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "experiment/scenario.hpp"
#include "experiment/tail_samples.hpp"
#include "network/wire.hpp"
#include "run/turns.hpp"
#include "support/scenario_error.hpp"
#include "support/scratch_dir.hpp"

namespace kvslo {
namespace {

namespace fs = std::filesystem;

ModelTable models() { return ModelTable::load(scenario_directory() / "models.json"); }

class ScenarioFiles : public testing::ScratchDirTest {
 protected:
  fs::path write(const std::string& text) {
    auto p = dir_ / "s.json";
    std::ofstream(p) << text;
    return p;
  }
  // Loads and expands `text`.
  std::string error_of(const std::string& text) {
    return testing::scenario_error([&] { Scenario::load(write(text), models()).expand(models()); });
  }
  // As error_of, with one --set applied to a valid scenario.
  std::string set_error_of(const std::string& assignment) {
    return testing::scenario_error([&] {
      auto s = Scenario::load(write(R"({"workload": {"working_set": "64MiB", "chunks_per_batch": 4, "chunk_size": "1MiB"}})"), models());
      s.override_with(assignment, models());
      s.expand(models());
    });
  }
  struct Fault {
    std::string text;
    std::string path;
    std::string expected;
  };
  // Every case is refused with the file, the JSON path and what was expected.
  void expect_refused(const std::vector<Fault>& cases) {
    for (const auto& c : cases) {
      const std::string message = error_of(c.text);
      EXPECT_NE(message.find((dir_ / "s.json").string()), std::string::npos) << c.text.substr(0, 200) << "\n" << message;
      EXPECT_NE(message.find(c.path), std::string::npos) << c.text.substr(0, 200) << "\n" << message;
      EXPECT_NE(message.find(c.expected), std::string::npos) << c.text.substr(0, 200) << "\n" << message;
    }
  }
  // As expect_refused, for --set assignments (the field stands for the file).
  void expect_set_refused(const std::vector<Fault>& cases) {
    for (const auto& c : cases) {
      const std::string message = set_error_of(c.text);
      const std::string field = c.text.substr(0, c.text.find('='));
      EXPECT_NE(message.find("--set " + field), std::string::npos) << c.text.substr(0, 200) << "\n" << message;
      EXPECT_NE(message.find(c.path), std::string::npos) << c.text.substr(0, 200) << "\n" << message;
      EXPECT_NE(message.find(c.expected), std::string::npos) << c.text.substr(0, 200) << "\n" << message;
    }
  }
};

std::string nested(std::size_t depth) { return std::string(depth, '[') + "1" + std::string(depth, ']'); }

TEST(Models, Llama31_8BRequestOf10000TokensIs131GB) {
  const auto table = models();
  const std::uint64_t per_token = table.bytes_per_token("llama-3.1-8b", "bf16");
  EXPECT_EQ(per_token, 128u * 1024);  // 32 layers x 8 KV heads x 128 x 2 (K,V) x 2 bytes
  const std::uint64_t request = per_token * 10000;
  EXPECT_EQ(request, 1'310'720'000u);
  EXPECT_NEAR(static_cast<double>(request) / 1e9, 1.31, 0.005);                       // GB
  EXPECT_NEAR(static_cast<double>(request) / static_cast<double>(1ull << 30), 1.22, 0.005);  // GiB
  EXPECT_EQ(table.bytes_per_token("llama-3.1-8b", "bf16") * 256, 32u << 20);  // 32 MiB per 256-token chunk
  EXPECT_EQ(table.bytes_per_token("llama-3.1-70b", "bf16"), 320u * 1024);
  EXPECT_EQ(table.bytes_per_token("qwen2.5-7b", "bf16"), 56u * 1024);
  EXPECT_EQ(table.bytes_per_token("mistral-7b", "fp8"), 64u * 1024);
  EXPECT_THROW(table.bytes_per_token("gpt-5", "bf16"), std::invalid_argument);
  EXPECT_THROW(table.bytes_per_token("llama-3.1-8b", "int3"), std::invalid_argument);
}

TEST(ShippedScenarios, EveryOneValidates) {
  std::size_t count = 0;
  for (const auto& e : fs::directory_iterator(scenario_directory())) {
    if (e.path().extension() != ".json" || e.path().stem() == "models") continue;
    auto s = Scenario::load(e.path(), models());
    EXPECT_FALSE(s.description.empty()) << e.path();
    // Only what this host lacks may be skipped (kTLS without the kernel's TLS), never a mistake in the file.
    std::vector<SkippedPoint> skipped;
    const auto points = s.expand(models(), &skipped);
    EXPECT_FALSE(points.empty()) << e.path();
    for (const auto& k : skipped) EXPECT_TRUE(k.reason.starts_with("tls ktls: the kernel")) << e.path() << ": " << k.reason;
    // A scenario that judges a batch p99 collects the 100 batches a p99 needs.
    EXPECT_EQ(tail_sample_warnings(points, s.slo), std::vector<std::string>{}) << e.path();
    ++count;
  }
  EXPECT_GE(count, 8u);
}

// Redis 7.0 against Valkey 8.0: each (server, io-threads) a group whose five
// clients take turns; servers compare unpaired (each is a restart).
TEST(ShippedScenarios, ServersTakeTurnsByServerAndIoThreads) {
  auto s = Scenario::load(resolve_scenario("servers"), models());
  const auto points = s.expand(models());
  ASSERT_EQ(points.size(), 20u);
  const auto groups = turn_groups(points);
  ASSERT_EQ(groups.size(), 4u);
  for (const auto& group : groups) {
    ASSERT_EQ(group.size(), 5u);
    for (std::size_t i : group) {
      EXPECT_EQ(points[i].server, points[group.front()].server);
      EXPECT_EQ(points[i].redis_settings, points[group.front()].redis_settings);
    }
  }
  EXPECT_EQ(points.front().redis_settings.at("io-threads-do-reads"), "yes");
}

TEST(ShippedScenarios, LlamaRequestIs39ChunksOf32MiB) {
  auto s = Scenario::load(resolve_scenario("llama-3.1-8b"), models());
  auto points = s.expand(models());
  ASSERT_FALSE(points.empty());
  EXPECT_EQ(points[0].chunk_size, 32u << 20);
  EXPECT_EQ(points[0].chunks_per_batch, 39u);  // 10,000 / 256, whole chunks only
  EXPECT_EQ(points[0].to_json()["model"]["request_tokens"], 10000);
}

TEST_F(ScenarioFiles, ExpandsTheProductRedisSettingsFirst) {
  auto s = Scenario::load(write(R"({
    // comments are allowed
    "workload": {"working_set": "64MiB", "chunks_per_batch": 4},
    "axes": {"streams": [1, 2], "chunk_size": ["1MiB", "2MiB"], "redis.io-threads": [1, 2],
             "client": ["zerocopy", {"client": "tiled", "threads": 2, "streams": 2}]}
  })"), models());
  auto points = s.expand(models());
  ASSERT_EQ(points.size(), 16u);
  EXPECT_EQ(points[0].redis_settings.at("io-threads"), "1");
  EXPECT_EQ(points[8].redis_settings.at("io-threads"), "2");
  EXPECT_EQ(points[0].chunk_size, 1u << 20);
  EXPECT_EQ(points[4].chunk_size, 2u << 20);
  // The client object's streams win over the streams axis listed before it.
  EXPECT_EQ(points[1].client, "tiled");
  EXPECT_EQ(points[1].threads, 2);
  EXPECT_EQ(points[1].streams, 2);
}

TEST_F(ScenarioFiles, SetOverridesAxesWorkloadAndSlo) {
  auto s = Scenario::load(write(R"({"workload": {"working_set": "64MiB", "chunks_per_batch": 4, "chunk_size": "1MiB"},
                                    "axes": {"streams": [1]}})"), models());
  s.override_with("streams=1,2,4", models());
  s.override_with("workload.trials=1", models());
  s.override_with("slo.batch_p99_ms=50", models());
  s.override_with(R"(arrival={"mode":"poisson","rate_per_s":3},{"mode":"closed"})", models());
  auto points = s.expand(models());
  ASSERT_EQ(points.size(), 6u);
  EXPECT_EQ(points[0].trials, 1);
  EXPECT_EQ(*s.slo.batch_p99_ms, 50);
  EXPECT_EQ(points[0].arrival.mode, ArrivalMode::kPoisson);
  EXPECT_THROW(s.override_with("streams=0", models()), ScenarioError);
  EXPECT_THROW(s.override_with("nonsense", models()), ScenarioError);
}

TEST_F(ScenarioFiles, ErrorsNameTheFileThePathAndWhatWasExpected) {
  struct Case {
    std::string text;
    std::string path;
    std::string expected;
  };
  const std::vector<Case> cases{
      {R"({"workload": {}, "axis": {}})", "at /axis", "unknown key 'axis'"},
      {R"({"workload": {"stream": 2}})", "at /workload/stream", "unknown key 'stream'"},
      {R"({"axes": {"streams": [1, 0]}})", "at /axes/streams/1", "expected a positive number of streams, got 0"},
      {R"({"axes": {"streams": "4"}})", "at /axes/streams", "expected a list of values"},
      {R"({"axes": {"streams": []}})", "at /axes/streams", "non-empty list"},
      {R"({"axes": {"colour": [1]}})", "at /axes/colour", "unknown axis 'colour'"},
      {R"({"axes": {"client": ["jedis"]}})", "at /axes/client/0", "expected one of hiredis, zerocopy, tiled, tiled-py, null, iperf3, redis-benchmark, redis-py"},
      {R"({"axes": {"client": ["redis-py"], "op": ["exists"]}})", "at /axes", "client redis-py: has no EXISTS"},
      {R"({"workload": {"chunk_size": "4M"}})", "at /workload/chunk_size", "invalid size '4M'"},
      {R"({"workload": {"working_set": "1MiB", "chunk_size": "4MiB"}})", "at /axes", "larger than the working set"},
      {R"({"workload": {"chunk_size": {"model": "gpt-9", "tokens": 16}}})", "at /workload/chunk_size", "unknown model 'gpt-9'"},
      {R"({"workload": {"verify": "yes"}})", "at /workload/verify", "expected true or false"},
      {R"({"workload": {"time_limit_per_point": "soon"}})", "at /workload/time_limit_per_point", "invalid duration"},
      {R"({"workload": {"arrival": {"mode": "poisson"}}})", "at /workload/arrival/rate_per_s", "positive number"},
      {R"({"axes": {"redis.maxmemory": ["1GB"]}})", "at /axes/redis.maxmemory", "unknown Redis setting"},
      {R"({"slo": {"retrieval_gbps": -1}})", "at /slo/retrieval_gbps", "expected a positive number"},
      {R"({"workload": {"chunks_per_batch": {"request_tokens": 100}}})", "at /workload/chunks_per_batch", "needs a chunk_size given by a model"},
      {R"({"workload": {"threads": 4, "streams": 2}})", "at /axes", "threads must be from 1 to streams"},
      {R"({"workload": {"chunks_per_batch": 64)", "", "not valid JSON"},
  };
  for (const auto& c : cases) {
    const std::string message = error_of(c.text);
    EXPECT_NE(message.find((dir_ / "s.json").string()), std::string::npos) << c.text << "\n" << message;
    EXPECT_NE(message.find(c.path), std::string::npos) << c.text << "\n" << message;
    EXPECT_NE(message.find(c.expected), std::string::npos) << c.text << "\n" << message;
  }
}

// Item 12: 64-bit values were cast to int ("streams": 4294967297 ran 1
// stream) and unsigned values above INT64_MAX wrapped negative.
TEST_F(ScenarioFiles, FaultMatrix_OversizedIntegersAreRefused) {
  expect_refused({
      {R"({"workload": {"streams": 4294967297}})", "at /workload/streams", "1 to 1,024"},
      {R"({"workload": {"streams": -1}})", "at /workload/streams", "1 to 1,024"},
      {R"({"axes": {"pipeline_depth": [8, 4294967304]}})", "at /axes/pipeline_depth/1", "1 to 4,096"},
      {R"({"workload": {"threads": 4294967297}})", "at /workload/threads", "1 to 1,024"},
      {R"({"workload": {"chunks_per_batch": 4294967297}})", "at /workload/chunks_per_batch", "1 to 1,000,000"},
      {R"({"workload": {"inflight": 65}})", "at /workload/inflight", "1 to 64"},
      {R"({"workload": {"trials": 10001}})", "at /workload/trials", "1 to 10,000"},
      {R"({"workload": {"warmup_batches": 4294967296}})", "at /workload/warmup_batches", "0 to 1,000,000"},
      {R"({"workload": {"batches_per_trial": 100000001}})", "at /workload/batches_per_trial", "0 to 100,000,000"},
      {R"({"workload": {"op_timeout_ms": 3600001}})", "at /workload/op_timeout_ms", "1 to 3,600,000"},
      {R"({"axes": {"redis.io-threads": [129]}})", "at /axes/redis.io-threads/0", "1 to 128"},
      {R"({"workload": {"arrival": {"seed": 9223372036854775808}}})", "at /workload/arrival/seed", "0 to 9,223,372,036,854,775,807"},
      {R"({"workload": {"arrival": {"seed": 18446744073709551615}}})", "at /workload/arrival/seed", "0 to 9,223,372,036,854,775,807"},
      {R"({"workload": {"chunk_size": {"model": "llama-3.1-8b", "tokens": 4294967297}}})", "at /workload/chunk_size/tokens", "1 to 4,294,967,296"},
      {R"({"workload": {"chunks_per_batch": {"request_tokens": 4294967297}}})", "at /workload/chunks_per_batch/request_tokens", "1 to 4,294,967,296"},
      {R"({"workload": {"arrival": {"mode": "poisson", "rate_per_s": 1000001}}})", "at /workload/arrival/rate_per_s", "at most 1,000,000"},
      {R"({"workload": {"arrival": {"mode": "poisson", "rate_per_s": 1e400}}})", "", "not valid JSON"},
      {R"({"slo": {"retrieval_gbps": 1e300}})", "at /slo/retrieval_gbps", "at most 10,000"},
      {R"({"slo": {"batch_p99_ms": 3600001}})", "at /slo/batch_p99_ms", "at most 3,600,000"},
  });
}

// Item 12: sizes are capped where a larger value cannot be served.
TEST_F(ScenarioFiles, FaultMatrix_OversizedSizesAreRefused) {
  expect_refused({
      {R"({"workload": {"chunk_size": "1GiB", "working_set": "4GiB", "chunks_per_batch": 1}})", "at /workload/chunk_size", "proto-max-bulk-len"},
      {R"({"axes": {"chunk_size": ["4MiB", 536870913]}})", "at /axes/chunk_size/1", "at most 512MiB"},
      {R"({"workload": {"tile_bytes": "2GiB"}})", "at /workload/tile_bytes", "at most 1GiB"},
      {R"({"workload": {"working_set": "2TiB"}})", "at /workload/working_set", "at most 1TiB"},
      {R"({"workload": {"sndbuf": "2GiB"}})", "at /workload/sndbuf", "at most 1GiB"},
  });
  EXPECT_EQ(error_of(R"({"workload": {"chunk_size": "512MiB", "working_set": "1GiB", "chunks_per_batch": 1}})"), "");
}

// Item 12: durations overflowed, truncated ("1.2.3s" ran 1.2 s) or were
// zero (an iperf3 -t 0 runs until stopped).
TEST_F(ScenarioFiles, FaultMatrix_DurationsAreBounded) {
  for (const char* bad : {"25h", "99999999999999999999h", "1e400s", "1.2.3s", ".s", "0s", "0.1ms", "-1s", "nans", " 1s", ""}) {
    EXPECT_THROW(parse_duration(bad), std::invalid_argument) << bad;
  }
  EXPECT_EQ(parse_duration("24h").count(), 86'400'000);
  EXPECT_EQ(parse_duration("1.5s").count(), 1500);
  EXPECT_EQ(parse_duration("1ms").count(), 1);
  expect_refused({
      {R"({"workload": {"time_limit_per_point": "25h"}})", "at /workload/time_limit_per_point", "at most 24h"},
      {R"({"workload": {"time_limit_per_point": "99999999999999999999h"}})", "at /workload/time_limit_per_point", "at most 24h"},
      {R"({"workload": {"time_limit_per_point": "1.2.3s"}})", "at /workload/time_limit_per_point", "invalid duration '1.2.3s'"},
      {R"({"workload": {"time_limit_per_point": ".s"}})", "at /workload/time_limit_per_point", "invalid duration '.s'"},
      {R"({"wire": {"duration": "100000h"}})", "at /wire/duration", "at most 24h"},
      {R"({"wire": {"duration": "0s"}})", "at /wire/duration", "invalid duration '0s'"},
  });
}

// Item 12: "[::1]:99999" became port 34463, "host:80abc" port 80.
TEST_F(ScenarioFiles, FaultMatrix_WireTargetPortsAreChecked) {
  for (const char* bad : {"[::1]:99999", "[::1]:", "[::1]:80x", "[::1]:-1", "host:80abc", "host: 80", "host:+80", "host:0",
                          "host:65536", "host:99999999999999999999", ":80", "[]:80", "[::1"}) {
    try {
      WireTarget::parse(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(WireTarget::parse("[::1]:65535").port, 65535);
  EXPECT_EQ(WireTarget::parse("[::1]").host, "::1");
  EXPECT_EQ(WireTarget::parse("[::1]").port, 5201);
  EXPECT_EQ(WireTarget::parse("::1").host, "::1");
  EXPECT_EQ(WireTarget::parse("h:1").port, 1);
  // A scenario's target is checked when the file is read, not when the run reaches the wire.
  expect_refused({{R"({"wire": {"target": "[::1]:99999"}})", "at /wire/target", "1 to 65535"}});
}

// Item 12: --set slo.X=nan (or 5abc, or inf) was accepted.
TEST_F(ScenarioFiles, FaultMatrix_SetSloIsAFiniteNumber) {
  expect_set_refused({
      {"slo.batch_p99_ms=nan", "at /slo/batch_p99_ms", "a positive number"},
      {"slo.retrieval_gbps=inf", "at /slo/retrieval_gbps", "a positive number"},
      {"slo.retrieval_gbps=5abc", "at /slo/retrieval_gbps", "a positive number"},
      {"slo.store_gbps=1e300", "at /slo/store_gbps", "at most 10,000"},
  });
  EXPECT_EQ(set_error_of("slo.retrieval_gbps=2.5"), "");
}

// Items 12 and 15: --set streams=1000000 validated.
TEST_F(ScenarioFiles, FaultMatrix_SetValuesAreRangeChecked) {
  expect_set_refused({
      {"streams=1,1000000", "at /axes/streams/1", "1 to 1,024"},
      {"workload.trials=4294967297", "at /workload/trials", "1 to 10,000"},
      // Too large for a double: a bare word, refused as not a number.
      {"workload.trials=1e400", "at /workload/trials", "expected a positive number of trials, got \"1e400\""},
  });
}

// Item 13: 140737488355329 tokens x 128 KiB wrapped to a 128 KiB chunk, and a
// model chunk of 1.25 GiB passed although Redis refuses values above 512 MiB.
TEST_F(ScenarioFiles, FaultMatrix_ModelChunkSizesAreBounded) {
  expect_refused({
      {R"({"workload": {"chunk_size": {"model": "llama-3.1-8b", "tokens": 140737488355329}}})", "at /workload/chunk_size/tokens", "1 to 4,294,967,296"},
      {R"({"workload": {"working_set": "1TiB", "chunks_per_batch": 1, "chunk_size": {"model": "llama-3.1-70b", "tokens": 4096}}})",
       "at /workload/chunk_size", "at most 512MiB"},
      // 2^32 tokens in chunks of one token: 2^32 chunks per batch.
      {R"({"workload": {"working_set": "1TiB", "chunk_size": {"model": "qwen2.5-7b", "dtype": "fp8", "tokens": 1},
                         "chunks_per_batch": {"request_tokens": 4294967296}}})", "at /workload/chunks_per_batch", "at most 1,000,000"},
  });
}

// Item 13: layers x kv_heads x head_dim x 2 x dtype wrapped to 0 bytes per token.
TEST_F(ScenarioFiles, FaultMatrix_ModelTableProductsAreBounded) {
  auto load_error = [&](const std::string& text) -> std::string {
    std::ofstream(dir_ / "models.json") << text;
    try {
      ModelTable::load(dir_ / "models.json");
      return "";
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
  };
  const std::string wraps = load_error(R"({"dtypes": {"bf16": 2}, "models": {"huge": {"layers": 4294967296, "kv_heads": 4294967296, "head_dim": 1}}})");
  EXPECT_NE(wraps.find("at /models/huge"), std::string::npos) << wraps;
  EXPECT_NE(wraps.find("512MiB"), std::string::npos) << wraps;
  const std::string large = load_error(R"({"dtypes": {"fp32": 4}, "models": {"big": {"layers": 1000000, "kv_heads": 1000, "head_dim": 1000}}})");
  EXPECT_NE(large.find("at /models/big"), std::string::npos) << large;
  const std::string name = load_error(R"({"dtypes": {"fp32": 4}, "models": {"x": {"name": 7, "layers": 1, "kv_heads": 1, "head_dim": 1}}})");
  EXPECT_NE(name.find("at /models/x/name"), std::string::npos) << name;
  const std::string twice = load_error(R"({"dtypes": {"fp32": 4, "fp32": 2}, "models": {}})");
  EXPECT_NE(twice.find("duplicate key 'fp32'"), std::string::npos) << twice;
}

// Item 14: 200,000 nested arrays overflowed the stack (exit 139) when the
// error message dumped them.
TEST_F(ScenarioFiles, FaultMatrix_DeepNestingIsRefused) {
  expect_refused({
      {R"({"workload": {"streams": )" + nested(200000) + "}}", "at /workload/streams/0/0/0", "nested deeper than 32"},
      {R"({"axes": {"streams": )" + nested(40) + "}}", "at /axes/streams/0/0", "nested deeper than 32"},
      // A client's own settings hold a name, not another client object.
      {R"({"axes": {"client": [{"client": {"client": "tiled"}}]}})", "at /axes/client/0/client", "expected one of"},
  });
  EXPECT_EQ(error_of(R"({"workload": {"working_set": "64MiB", "chunks_per_batch": 4, "chunk_size": "1MiB"}})"), "");
  expect_set_refused({{"streams=" + nested(200000), "at /axes/streams/0", "nested deeper than 32"},
                      {"workload.streams=" + nested(200000), "at /workload/streams", "nested deeper than 32"}});
}

// Item 14: the last of two equal keys silently won.
TEST_F(ScenarioFiles, FaultMatrix_DuplicateKeysAreRefused) {
  expect_refused({
      {R"({"workload": {"streams": 1, "streams": 2}})", "at /workload:", "duplicate key 'streams'"},
      {R"({"axes": {"streams": [1], "streams": [2]}})", "at /axes:", "duplicate key 'streams'"},
      {R"({"slo": {}, "slo": {}})", "at /:", "duplicate key 'slo'"},
      {R"({"axes": {"client": ["zerocopy", {"client": "tiled", "threads": 1, "threads": 2}]}})", "at /axes/client/1:", "duplicate key 'threads'"},
  });
  expect_set_refused({{R"(arrival={"mode":"poisson","rate_per_s":1},{"mode":"poisson","mode":"closed"})", "at /axes/arrival/1:", "duplicate key 'mode'"}});
}

// Item 14: a file of any size was read whole, and --set text that is not
// UTF-8 threw nlohmann's type_error (not a ScenarioError) from an error path.
TEST_F(ScenarioFiles, FaultMatrix_OversizedFilesAndBadTextAreRefused) {
  expect_refused({{R"({"description": ")" + std::string(2u << 20, 'x') + R"("})", "", "larger than 1MiB"}});
  expect_set_refused({{"client=\xff", "", "not UTF-8"},
                      {"workload.key_prefix=\xc3", "", "not UTF-8"},
                      {"workload.key_prefix=a\tb", "at /workload/key_prefix", "without spaces or control characters"}});
}

// Item 15: the product of the axes had no bound.
TEST_F(ScenarioFiles, FaultMatrix_PointCountIsBounded) {
  auto values = [](int from, int to, const std::string& unit = "") {
    std::string list;
    for (int i = from; i <= to; ++i) list += (list.empty() ? "" : ", ") + (unit.empty() ? std::to_string(i) : "\"" + std::to_string(i) + unit + "\"");
    return "[" + list + "]";
  };
  const std::string over = R"({"workload": {"working_set": "1GiB", "chunk_size": "1MiB"},
      "axes": {"chunks_per_batch": )" + values(1, 101) + R"(, "pipeline_depth": )" + values(1, 100) + "}}";
  const std::string message = error_of(over);
  ASSERT_NE(message.find("the axes multiply to 10,100 points; at most 10,000"), std::string::npos) << message;
  EXPECT_NE(message.find("at /axes"), std::string::npos) << message;
  // Refused from the axis lengths alone: 100^5 points are never expanded.
  expect_refused({{R"({"axes": {"chunks_per_batch": )" + values(1, 100) + R"(, "pipeline_depth": )" + values(1, 100) +
                       R"(, "sndbuf": )" + values(1, 100, "KiB") + R"(, "rcvbuf": )" + values(1, 100, "KiB") +
                       R"(, "tile_bytes": )" + values(1, 100, "KiB") + "}}",
                   "at /axes", "the axes multiply to 10,000,000,000 points; at most 10,000"}});
  auto s = Scenario::load(write(R"({"workload": {"working_set": "1GiB", "chunk_size": "1MiB"},
      "axes": {"chunks_per_batch": )" + values(1, 100) + R"(, "pipeline_depth": )" + values(1, 100) + "}}"), models());
  EXPECT_EQ(s.expand(models()).size(), 10'000u);
  EXPECT_THROW(s.override_with("streams=1,2", models()), ScenarioError);
}

TEST(ScenarioText, ALatencyBoundFromTooFewBatchesIsWarnedAbout) {
  auto s = Scenario::parse(R"({"workload": {"working_set": "64MiB", "chunk_size": "4MiB", "chunks_per_batch": 4,
                                             "trials": 3, "batches_per_trial": 10},
                               "slo": {"batch_p99_ms": 100}})",
                           "tails.json", models());
  auto warnings = tail_sample_warnings(s.expand(models()), s.slo);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings.front().find("judged from 30 batches per point (3 trials x 10 batches)"), std::string::npos)
      << warnings.front();
  s.override_with("workload.batches_per_trial=34", models());  // 102 batches
  EXPECT_TRUE(tail_sample_warnings(s.expand(models()), s.slo).empty());
  s.slo.batch_p99_ms.reset();  // nothing judges the tail: any count will do
  s.override_with("workload.batches_per_trial=1", models());
  EXPECT_TRUE(tail_sample_warnings(s.expand(models()), s.slo).empty());
}

// The fuzz target parses text without a file; load reads the file and does the same.
TEST(ScenarioText, ParsesTextUnderADisplayName) {
  const auto s = Scenario::parse(R"({"workload": {"streams": 2}})", "inline.json", models());
  EXPECT_EQ(s.name, "inline");
  EXPECT_EQ(s.base.streams, 2);
  try {
    Scenario::parse(R"({"workload": {"streams": 0}})", "inline.json", models());
    ADD_FAILURE();
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("inline.json: at /workload/streams"), std::string::npos) << e.what();
  }
}

TEST(Scenarios, UnknownScenarioNameSaysWhereItLooked) {
  try {
    resolve_scenario("no-such-scenario");
    ADD_FAILURE();
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("kvslo list"), std::string::npos);
  }
}

}  // namespace
}  // namespace kvslo

namespace kvslo {
namespace {

// A sweep is a product: a combination in it that cannot run is skipped with
// its reason (nvbench's state.skip), not fatal to every other point.
TEST_F(ScenarioFiles, ImpossibleCombinationsOfASweepAreSkippedWithTheirReason) {
  const std::string small = R"("workload": {"working_set": "64MiB", "chunks_per_batch": 4, "chunk_size": "1MiB"})";
  auto s = Scenario::load(write("{" + small + R"(, "axes": {"client": ["zerocopy", "redis-py"], "op": ["get", "exists"]}})"), models());
  std::vector<SkippedPoint> skipped;
  const auto points = s.expand(models(), &skipped);
  EXPECT_EQ(points.size(), 3u);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].where, "client=redis-py, op=exists");
  EXPECT_NE(skipped[0].reason.find("has no EXISTS"), std::string::npos) << skipped[0].reason;
  EXPECT_EQ(skipped[0].to_json()["point"], "client=redis-py, op=exists");
  // Without a list to record them in, they are refused as before.
  EXPECT_NE(testing::scenario_error([&] { s.expand(models()); }).find("is impossible"), std::string::npos);
  // When nothing would remain, the scenario is refused.
  auto none = Scenario::load(write("{" + small + R"(, "axes": {"streams": [1, 2], "threads": [4]}})"), models());
  skipped.clear();
  EXPECT_NE(testing::scenario_error([&] { none.expand(models(), &skipped); }).find("threads must be from 1 to streams"), std::string::npos);
}

}  // namespace
}  // namespace kvslo

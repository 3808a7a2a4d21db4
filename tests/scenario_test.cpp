// Scenario files: the model arithmetic, every shipped scenario, expansion,
// overrides, and errors that name the file, the JSON path and what was expected.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "embedded_redis.hpp"
#include "point_runner.hpp"
#include "scenario.hpp"
#include "scratch_dir.hpp"

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
  // Loads and expands; returns the error message, or "" when valid.
  std::string error_of(const std::string& text) {
    try {
      Scenario::load(write(text), models()).expand(models());
      return "";
    } catch (const ScenarioError& e) {
      return e.what();
    }
  }
};

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
    EXPECT_FALSE(s.expand(models()).empty()) << e.path();
    ++count;
  }
  EXPECT_GE(count, 8u);
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
  EXPECT_EQ(points[0].arrival.mode, "poisson");
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
      {R"({"axes": {"client": ["jedis"]}})", "at /axes/client/0", "expected one of hiredis, zerocopy, tiled, null, iperf3, redis-benchmark, redis-py"},
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

TEST(Scenarios, UnknownScenarioNameSaysWhereItLooked) {
  try {
    resolve_scenario("no-such-scenario");
    ADD_FAILURE();
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("kvslo list"), std::string::npos);
  }
}

TEST(OpenLoop, LatencyCountsFromTheIntendedStart) {
  EmbeddedRedis server;
  std::atomic<bool> stop{false};
  PointRunner runner(server.endpoint(), stop);
  PointSpec spec;
  spec.client = "zerocopy";
  spec.chunk_size = 1 << 20;
  spec.chunks_per_batch = 16;
  spec.working_set = 64 << 20;
  spec.trials = 1;
  spec.warmup_batches = 1;
  spec.batches_per_trial = 20;
  // Offered far above what one connection serves: each batch arrives 1 ms
  // after the previous one, but takes several ms to serve, so batches queue.
  spec.arrival = {"constant", 1000.0, 1};
  PointMeasurement open = runner.run(spec);
  ASSERT_TRUE(open.failure.empty()) << open.failure;
  ASSERT_EQ(open.batch_latency_ns.size(), 20u);
  spec.arrival = Arrival{};
  PointMeasurement closed = runner.run(spec);
  ASSERT_EQ(closed.batch_latency_ns.size(), 20u);
  // Closed loop: each latency is a service time. Open loop: the last batch
  // waited behind the 19 before it, so its latency is far above any single
  // service time (no coordinated omission).
  const double service_max = *std::max_element(closed.batch_latency_ns.begin(), closed.batch_latency_ns.end());
  const double service_min = *std::min_element(closed.batch_latency_ns.begin(), closed.batch_latency_ns.end());
  EXPECT_GT(open.batch_latency_ns.back(), 5 * service_min) << "service " << service_min << ".." << service_max;
  EXPECT_GT(open.batch_latency_ns.back(), open.batch_latency_ns.front());
  // Latency never undercounts service: each open-loop latency includes its own service time.
  for (double v : open.batch_latency_ns) EXPECT_GE(v, service_min * 0.5);
}

}  // namespace
}  // namespace kvslo

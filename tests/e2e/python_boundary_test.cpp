// tiled-py end to end: kvslo's tiled core driven from Python asyncio through
// the kvslo module, run by the kvslo binary beside tiled on one embedded
// redis-server, with the boundary's figures and the ablations. Registered
// only where the module is built (not in sanitized builds).
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "support/kvslo_process.hpp"
#include "support/scratch_dir.hpp"

namespace kvslo {
namespace {

class PythonBoundary : public testing::ScratchDirTest {
 protected:
  static void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }
  static std::vector<nlohmann::json> points_of(const nlohmann::json& j, const std::string& client) {
    std::vector<nlohmann::json> out;
    for (const auto& p : j["points"]) {
      if (p["parameters"]["client"] == client) out.push_back(p);
    }
    return out;
  }
};

constexpr const char* kSmall = "--working-set 32MiB --chunk-size 1MiB --chunks-per-batch 8 --trials 2 --warmup 1";

TEST_F(PythonBoundary, TiledPyRunsBesideTiledWithOneWakeupPerBatchAtMost) {
  const auto out = dir_ / "r.json";
  auto o = testing::run_kvslo(std::string("run ") + kSmall + " --client tiled,tiled-py --py-tasks 1,4 --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const auto j = read(out);
  const auto py = points_of(j, "tiled-py");
  ASSERT_EQ(py.size(), 2u) << j.dump(2);
  for (const auto& p : py) {
    EXPECT_EQ(p["status"], "ok") << p.dump(2);
    EXPECT_EQ(p["client_info"]["rung"], 4);
    EXPECT_EQ(p["verify_failures"], 0) << p["key_status_counts"].dump();
    const auto& b = p["boundary"];
    ASSERT_TRUE(b.is_object()) << p.dump(2);
    // One wakeup per batch at most (fewer when batches finish together), and none stray.
    const auto batches = b["batches_completed"].get<std::uint64_t>();
    EXPECT_GE(batches, 8u);
    EXPECT_LE(b["wakeups"].get<std::uint64_t>(), batches);
    EXPECT_EQ(b["empty_wakeups"], 0);
    EXPECT_EQ(b["dropped_completions"], 0);
    EXPECT_GT(b["python_time_per_batch"]["count"].get<std::size_t>(), 0u);
    EXPECT_GT(p["stages"]["transfer"]["count"].get<std::size_t>(), 0u) << "the C++ stages came back through Python";
    EXPECT_TRUE(p["cpu_seconds_per_gb"].is_number());
    // The password reaches it through the environment only.
    for (const auto& arg : b["command"]) EXPECT_EQ(arg.get<std::string>().find('@'), std::string::npos) << arg;
  }
  EXPECT_EQ(py[1]["parameters"]["py_tasks"], 4);
  EXPECT_EQ(py[1]["variant"], "py_tasks=4");
  EXPECT_FALSE(py[0]["parameters"].contains("py_tasks")) << "the default is not recorded (identity of older points)";
  // Each tiled-py point as a share of tiled, paired by round.
  int shares = 0;
  for (const auto& c : j["paired_comparisons"]) {
    if (c["ours"].get<std::string>().rfind("tiled-py", 0) == 0 && c["baseline_client"] == "tiled") ++shares;
  }
  EXPECT_EQ(shares, 2) << j["paired_comparisons"].dump(2);
  EXPECT_NE(o.output.find("loop wakeups per batch"), std::string::npos) << o.output;
}

TEST_F(PythonBoundary, TheAblationsRunArePairedWithoutThemAndPollingShowsInTheWakeups) {
  const auto out = dir_ / "r.json";
  const std::string scenario = (dir_ / "ablations.json").string();
  write(scenario, R"({"workload": {"chunk_size": "1MiB", "working_set": "32MiB", "chunks_per_batch": 8, "trials": 2,
                                    "warmup_batches": 1},
                     "axes": {"client": ["tiled-py", {"client": "tiled-py", "gil": "held"},
                                         {"client": "tiled-py", "completion": "poll"}]}})");
  auto o = testing::run_kvslo("run " + scenario + " --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const auto j = read(out);
  ASSERT_EQ(j["points"].size(), 3u);
  EXPECT_EQ(j["points"][1]["variant"], "gil=held");
  EXPECT_EQ(j["points"][2]["variant"], "completion=poll");
  for (const auto& p : j["points"]) {
    EXPECT_EQ(p["status"], "ok") << p.dump(2);
    EXPECT_EQ(p["boundary"]["settings"]["release_gil"], p["parameters"].value("gil", "released") == "released");
    EXPECT_TRUE(p["trials"][0]["server_cpu_seconds"].is_number()) << "the harness read the server's CPU around the trial";
  }
  // Polling passes over the loop, most of which find nothing.
  EXPECT_GT(j["points"][2]["boundary"]["wakeups_per_batch"].get<double>(), 1.0);
  EXPECT_GT(j["points"][2]["boundary"]["empty_wakeups"].get<std::uint64_t>(), 0u);
  // Each ablation is paired with the tiled-py point without it.
  int paired = 0;
  for (const auto& c : j["paired_comparisons"]) {
    if (c["baseline_client"] == "tiled-py") {
      EXPECT_EQ(c["baseline"], j["points"][0]["label"]) << c.dump();
      ++paired;
    }
  }
  EXPECT_EQ(paired, 2) << j["paired_comparisons"].dump(2);
}

TEST_F(PythonBoundary, TiledPySetWritesChunksThatZerocopyVerifies) {
  const auto out = dir_ / "r.json";
  const std::string scenario = (dir_ / "set-get.json").string();
  write(scenario, R"({"workload": {"chunk_size": "256KiB", "working_set": "8MiB", "chunks_per_batch": 8, "trials": 1},
                     "axes": {"op": ["set", "get"], "client": ["zerocopy", "tiled-py"]}})");
  auto o = testing::run_kvslo("run " + scenario + " --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const auto j = read(out);
  for (const auto& p : j["points"]) EXPECT_EQ(p["status"], "ok") << p.dump(2);
  // Point 2, a zerocopy GET, reads what tiled-py's SET (point 1) wrote last.
  EXPECT_EQ(j["points"][1]["parameters"]["client"], "tiled-py");
  EXPECT_EQ(j["points"][2]["parameters"]["client"], "zerocopy");
  EXPECT_EQ(j["points"][2]["verify_failures"], 0);
}

TEST_F(PythonBoundary, WhatOnlyTiledPyHasIsRefusedForTheOthersBeforeAnythingRuns) {
  const auto out = dir_ / "r.json";
  auto o = testing::run_kvslo(std::string("run ") + kSmall + " --client zerocopy --py-tasks 4 --out " + out.string());
  EXPECT_NE(o.exit_code, 0);
  EXPECT_NE(o.output.find("py_tasks: only tiled-py has it"), std::string::npos) << o.output;
  o = testing::run_kvslo(std::string("run ") + kSmall + " --client tiled-py --op exists --out " + out.string());
  EXPECT_NE(o.exit_code, 0);
  EXPECT_NE(o.output.find("client tiled-py: has no EXISTS"), std::string::npos) << o.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace kvslo

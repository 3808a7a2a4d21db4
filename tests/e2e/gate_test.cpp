// The regression gate's logic on results files made by a real short run:
// no change, a regression, an improvement, noise alone, missing and new
// points, normalisation, the SLO, and bad input; then a fault matrix of
// failed points, failed references and latency tails the gate must not pass.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "gate/significance.hpp"
#include "support/kvslo_process.hpp"

namespace kvslo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::run_kvslo;

TEST(MannWhitney, ExactSmallSamples) {
  // Complete separation of 3 vs 3: 1 arrangement in C(6,3) = 20.
  EXPECT_NEAR(mann_whitney_p_less({1, 2, 3}, {4, 5, 6}), 0.05, 1e-12);
  EXPECT_NEAR(mann_whitney_p_less({4, 5, 6}, {1, 2, 3}), 1.0, 1e-12);
  // 5 vs 5, separated: 1 / C(10,5) = 1/252.
  EXPECT_NEAR(mann_whitney_p_less({1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}), 1.0 / 252, 1e-12);
  // Interleaved samples are not evidence of anything.
  EXPECT_GT(mann_whitney_p_less({1, 3, 5, 7, 9}, {2, 4, 6, 8, 10}), 0.3);
  EXPECT_EQ(mann_whitney_p_less({}, {1}), 1.0);
}

TEST(MannWhitney, LargeSamplesAndTies) {
  std::vector<double> a, b;
  for (int i = 0; i < 100; ++i) {
    a.push_back(i % 10);
    b.push_back(i % 10 + 3);
  }
  EXPECT_LT(mann_whitney_p_less(a, b), 1e-6);
  EXPECT_GT(mann_whitney_p_less(a, a), 0.4);
}

TEST(FisherExceedance, HandComputedTails) {
  // Fisher's tea tasting: 3 of 4 vs 1 of 4, P(X >= 3) = (C(4,3)C(4,1) + C(4,4)C(4,0)) / C(8,4) = 17/70.
  EXPECT_NEAR(fisher_p_greater(3, 4, 1, 4), 17.0 / 70, 1e-12);
  // 3 of 3 vs 0 of 3: 1 / C(6,3).
  EXPECT_NEAR(fisher_p_greater(3, 3, 0, 3), 1.0 / 20, 1e-12);
  // 2 of 4 vs 1 of 4: (C(3,2)C(5,2) + C(3,3)C(5,1)) / C(8,4) = 35/70.
  EXPECT_NEAR(fisher_p_greater(2, 4, 1, 4), 0.5, 1e-12);
  // 6 of 300 vs 0 of 300: C(300,6) / C(600,6) = (300/600)(299/599)...(295/595).
  double p = 1;
  for (int i = 0; i < 6; ++i) p *= (300.0 - i) / (600.0 - i);
  EXPECT_NEAR(fisher_p_greater(6, 300, 0, 300), p, 1e-12);
  EXPECT_NEAR(p, 0.0152357, 1e-6);
  // Thousands of samples: 60 of 5000 vs 40 of 5000 (exact sum with big integers: 0.0278268450515...).
  EXPECT_NEAR(fisher_p_greater(60, 5000, 40, 5000), 0.0278268450515, 1e-9);
  // No exceedances, a smaller share, or an empty sample: no evidence.
  EXPECT_EQ(fisher_p_greater(0, 300, 0, 300), 1.0);
  EXPECT_GT(fisher_p_greater(1, 300, 6, 300), 0.9);
  EXPECT_EQ(fisher_p_greater(0, 0, 3, 10), 1.0);
}

TEST(FisherExceedance, CountsValuesStrictlyAboveTheThreshold) {
  const std::vector<double> base(300, 10.0);
  std::vector<double> cur(294, 10.0);
  cur.insert(cur.end(), 6, 200.0);
  EXPECT_NEAR(exceedance_p_greater(cur, base, 10.0), fisher_p_greater(6, 300, 0, 300), 1e-15);
  EXPECT_EQ(exceedance_p_greater(base, cur, 200.0), 1.0);  // nothing above 200 on either side
  EXPECT_EQ(exceedance_p_greater({}, base, 10.0), 1.0);
}

class Gate : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("kvslo-gate-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    auto o = run_kvslo("run --client hiredis,zerocopy --chunk-size 1MiB --streams 1,2 --working-set 16MiB "
                       "--chunks-per-batch 4 --trials 5 --warmup 1 --out " + (dir_ / "real.json").string());
    ASSERT_EQ(o.exit_code, 0) << o.output;
    std::ifstream in(dir_ / "real.json");
    real_ = json::parse(in);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static fs::path save(const std::string& name, const json& doc) {
    auto p = dir_ / (name + ".json");
    std::ofstream(p) << doc.dump();
    return p;
  }
  // Scales every trial of `client`'s points: throughput by `gbps`, CPU by `cpu`.
  static json scaled(json doc, const std::string& client, double gbps, double cpu = 1.0) {
    for (auto& p : doc["points"]) {
      if (!client.empty() && p["parameters"]["client"] != client) continue;
      for (auto& t : p["trials"]) {
        t["gbps"] = t["gbps"].get<double>() * gbps;
        t["cpu_seconds"] = t["cpu_seconds"].get<double>() * cpu;
      }
    }
    return doc;
  }
  static testing::Outcome gate(const json& current, const std::string& extra = "") {
    return gate_against(real_, current, extra);
  }
  static testing::Outcome gate_against(const json& baseline, const json& current, const std::string& extra = "") {
    return run_kvslo("gate --baseline " + save("baseline", baseline).string() + " --current " +
                     save("current", current).string() + " " + extra);
  }
  // Marks `client`'s points as failed the way a run records it.
  static json failed(json doc, const std::string& client, const std::string& failure, bool keep_trials) {
    for (auto& p : doc["points"]) {
      if (p["parameters"]["client"] != client) continue;
      p["status"] = "failed";
      p["failure"] = failure;
      if (!keep_trials) p["trials"] = json::array();
    }
    return doc;
  }
  // Every point's batch latencies replaced: `fast` batches at 10 ms (jittered
  // by up to 0.49 ms, as measured latencies are: exact ties would let a rank
  // test see the tail through its tie correction), `slow` at 200 ms.
  static json with_batches(json doc, int fast, int slow) {
    json samples = json::array();
    for (int i = 0; i < fast + slow; ++i) samples.push_back(i < fast ? 10.0 + (i % 50) * 0.01 : 200.0);
    for (auto& p : doc["points"]) p["batch_latency_samples_ms"] = samples;
    return doc;
  }

  static fs::path dir_;
  static json real_;
};

fs::path Gate::dir_;
json Gate::real_;

TEST_F(Gate, NoChangePasses) {
  auto o = gate(real_, "--metric throughput --metric cpu_per_gb --metric batch_p99");
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("0 regressed"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("gate: PASS"), std::string::npos);
}

TEST_F(Gate, RegressionFailsWithJUnitAndSummary) {
  auto junit = dir_ / "junit.xml";
  auto summary = dir_ / "summary.md";
  // Factors far outside any trial-to-trial spread, so the construction is a
  // regression whatever noise the real run had.
  auto o = gate(scaled(real_, "zerocopy", 0.3), "--threshold 10% --junit " + junit.string() + " --summary " + summary.string());
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("REGRESSED"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("-70.0%"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("gate: FAIL"), std::string::npos);
  std::ifstream j(junit);
  std::string xml((std::istreambuf_iterator<char>(j)), std::istreambuf_iterator<char>());
  EXPECT_NE(xml.find("<testsuite name=\"kvslo gate\""), std::string::npos);
  EXPECT_NE(xml.find("failures=\"2\""), std::string::npos) << xml;  // zerocopy at streams 1 and 2
  EXPECT_NE(xml.find("<failure"), std::string::npos);
  std::ifstream m(summary);
  std::string md((std::istreambuf_iterator<char>(m)), std::istreambuf_iterator<char>());
  EXPECT_NE(md.find("## kvslo gate: FAIL"), std::string::npos) << md;
  // CPU per GB is its own metric: 50% more CPU is caught, less is not a failure.
  EXPECT_EQ(gate(scaled(real_, "zerocopy", 1.0, 3.5), "--metric cpu_per_gb").exit_code, 1);
  EXPECT_EQ(gate(scaled(real_, "zerocopy", 1.0, 0.3), "--metric cpu_per_gb").exit_code, 0);
}

TEST_F(Gate, ImprovementNeverFails) {
  auto o = gate(scaled(real_, "zerocopy", 3.5));
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("improved"), std::string::npos) << o.output;
}

TEST_F(Gate, NoiseAloneIsNotARegression) {
  // Each trial moved by up to 12% either way, the median by less than the threshold.
  json noisy = real_;
  for (auto& p : noisy["points"]) {
    int k = 0;
    for (auto& t : p["trials"]) t["gbps"] = t["gbps"].get<double>() * (k++ % 2 ? 1.12 : 0.9);
  }
  auto o = gate(noisy, "--threshold 10%");
  EXPECT_EQ(o.exit_code, 0) << o.output;
  // A big slowdown of one trial only: the trials overlap, so no alarm.
  json one_bad = real_;
  one_bad["points"][1]["trials"][0]["gbps"] = one_bad["points"][1]["trials"][0]["gbps"].get<double>() * 0.3;
  EXPECT_EQ(gate(one_bad).exit_code, 0);
}

TEST_F(Gate, MissingAndNewPointsAreReportedNotFailed) {
  json changed = real_;
  json extra = changed["points"][0];
  extra["parameters"]["streams"] = 7;
  changed["points"].erase(changed["points"].begin() + 1);
  changed["points"].push_back(extra);
  auto o = gate(changed);
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("1 missing, 1 new"), std::string::npos) << o.output;
  EXPECT_EQ(gate(changed, "--fail-on-missing").exit_code, 1);
}

TEST_F(Gate, FailedPointFails) {
  json broken = real_;
  broken["points"][2]["status"] = "failed";
  broken["points"][2]["failure"] = "every key of a batch failed: key #0: io_error";
  broken["points"][2]["trials"] = json::array();
  auto o = gate(broken);
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("FAILED"), std::string::npos);
  EXPECT_NE(o.output.find("io_error"), std::string::npos);
}

// The fault matrix: each row is a way a run can go wrong that the gate must
// not wave through.

TEST_F(Gate, FaultMatrix_FailedPointFailsTheGate) {
  // Failed keys and a verify failure, but the trials still look normal.
  json broken = real_;
  auto& p = broken["points"][2];
  p["status"] = "failed";
  p["failure"] = nullptr;
  p["key_status_counts"]["io_error"] = 3;
  p["verify_failures"] = 1;
  auto o = gate(broken);
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("FAILED"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("3 keys failed, 1 verify failure"), std::string::npos) << o.output;
  // An interrupted run is not a measurement to pass either.
  json interrupted = real_;
  interrupted["points"][0]["status"] = "interrupted";
  o = gate(interrupted, "--metric throughput --metric cpu_per_gb");
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("interrupted"), std::string::npos) << o.output;
}

TEST_F(Gate, FaultMatrix_FailedReferenceFailsTheGate) {
  for (bool keep_trials : {false, true}) {
    auto o = gate(failed(real_, "hiredis", "server unreachable", keep_trials), "--normalize client:hiredis");
    EXPECT_EQ(o.exit_code, 1) << o.output;
    EXPECT_NE(o.output.find("server unreachable"), std::string::npos) << o.output;
    EXPECT_NE(o.output.find("the normalisation reference failed"), std::string::npos) << o.output;
    EXPECT_NE(o.output.find("4 failed"), std::string::npos) << o.output;  // 2 reference rows, 2 normalised
    EXPECT_NE(o.output.find("0 missing"), std::string::npos) << o.output;
  }
  // A reference that is ok but measured nothing cannot normalise anything.
  json empty = real_;
  for (auto& p : empty["points"]) {
    if (p["parameters"]["client"] == "hiredis") p["trials"] = json::array();
  }
  auto o = gate(empty, "--normalize client:hiredis");
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("measured nothing"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("the normalisation reference failed"), std::string::npos) << o.output;
}

TEST_F(Gate, FaultMatrix_FailedBaselineIsNotUsable) {
  // A baseline point that failed is no yardstick, however normal its trials look.
  auto o = gate_against(failed(real_, "zerocopy", "verify failed", true), real_);
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("FAILED"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("the baseline point failed"), std::string::npos) << o.output;
  // Nor is a baseline whose normalisation reference failed.
  o = gate_against(failed(real_, "hiredis", "server unreachable", false), real_, "--normalize client:hiredis");
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("the baseline's normalisation reference failed"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("0 missing"), std::string::npos) << o.output;
}

TEST_F(Gate, FaultMatrix_SlowTailInBatchP99FailsTheGate) {
  // Six 200 ms batches among 300 at 10 ms: the median is unchanged, the p99 is 20 times worse.
  auto o = gate_against(with_batches(real_, 300, 0), with_batches(real_, 294, 6), "--metric batch_p99");
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("REGRESSED"), std::string::npos) << o.output;
  // The same tail in the baseline and gone from the current run is an improvement.
  o = gate_against(with_batches(real_, 294, 6), with_batches(real_, 300, 0), "--metric batch_p99");
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("improved"), std::string::npos) << o.output;
  // One slow batch in 300 on both sides is the same tail.
  o = gate_against(with_batches(real_, 299, 1), with_batches(real_, 299, 1), "--metric batch_p99");
  EXPECT_EQ(o.exit_code, 0) << o.output;
}

TEST_F(Gate, FaultMatrix_P99OfFewBatchesIsFlagged) {
  // The p99 of 12 batches is their maximum: one slow batch is no tail either way.
  auto o = gate_against(with_batches(real_, 12, 0), with_batches(real_, 11, 1), "--metric batch_p99");
  EXPECT_NE(o.output.find("p99 of 12 batches is the maximum, not a tail; need >= 100 batches"), std::string::npos)
      << o.output;
  EXPECT_EQ(o.output.find("REGRESSED"), std::string::npos) << o.output;
  EXPECT_EQ(o.output.find(" same "), std::string::npos) << o.output;
  EXPECT_EQ(o.exit_code, 0) << o.output;  // flagged, not failed: see gate.hpp
  // Enough batches on one side only is still too few.
  o = gate_against(with_batches(real_, 300, 0), with_batches(real_, 11, 1), "--metric batch_p99");
  EXPECT_NE(o.output.find("p99 of 12 batches"), std::string::npos) << o.output;
}

TEST_F(Gate, NormalisationForgivesASlowerRunner) {
  // Everything 70% slower (a much slower machine): a regression in absolute
  // terms, the same relative to hiredis measured in the same run.
  json slower = scaled(real_, "", 0.3);
  EXPECT_EQ(gate(slower).exit_code, 1);
  auto o = gate(slower, "--normalize client:hiredis");
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("reference"), std::string::npos);
  // But zerocopy falling behind hiredis is caught even when normalised.
  EXPECT_EQ(gate(scaled(slower, "zerocopy", 0.3), "--normalize client:hiredis").exit_code, 1);
  EXPECT_EQ(gate(real_, "--normalize client:nope").exit_code, 2);
}

// Schema 2: a version-1 baseline (no label, identity, client_info, outcome)
// still matches every point of a version-2 run, through the field table.
TEST_F(Gate, AVersionOneBaselineMatchesAVersionTwoRun) {
  json v1 = real_;
  v1["schema_version"] = 1;
  v1.erase("skipped_points");
  for (auto& p : v1["points"]) {
    for (const char* field : {"label", "variant", "identity", "client_info", "outcome"}) p.erase(field);
  }
  auto o = gate_against(v1, real_);
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("0 regressed"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find(" 0 missing, 0 new"), std::string::npos) << o.output;
}

// A client's own settings (threads, tiles, how it receives) never hide its
// reference: a zerocopy point that bounces is normalised by hiredis's point.
TEST_F(Gate, AClientsOwnSettingsKeepItsReference) {
  json bounced = real_;
  for (auto& p : bounced["points"]) {
    if (p["parameters"]["client"] == "zerocopy") p["parameters"]["receive"] = "bounce";
  }
  auto o = gate_against(bounced, bounced, "--normalize client:hiredis --fail-on-missing");
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_EQ(o.output.find("no reference point"), std::string::npos) << o.output;
}

// A point that failed in one of the pooled runs failed in the pool: its
// outcome may not make it a client's best in the merged baseline's report.
TEST_F(Gate, MergeKeepsAFailedRunsOutcome) {
  const fs::path a = save("merge-a", real_), b = save("merge-b", failed(real_, "zerocopy", "server unreachable", true));
  const fs::path merged = dir_ / "merged.json";
  auto o = run_kvslo("merge " + a.string() + " " + b.string() + " --out " + merged.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  std::ifstream in(merged);
  const json doc = json::parse(in);
  for (const auto& p : doc["points"]) {
    const bool zerocopy = p["parameters"]["client"] == "zerocopy";
    EXPECT_EQ(p["status"], zerocopy ? "failed" : "ok");
    EXPECT_EQ(p["outcome"]["may_be_best"], !zerocopy) << p["label"];
    if (zerocopy) {
      EXPECT_EQ(p["outcome"]["verdict"], "ERROR") << p["label"];
    }
  }
}

TEST_F(Gate, RequireSlo) {
  json doc = real_;
  doc["summary"]["slo_met"] = false;
  EXPECT_EQ(gate(doc, "--require-slo").exit_code, 1);
  doc["summary"]["slo_met"] = true;
  EXPECT_EQ(gate(doc, "--require-slo").exit_code, 0);
}

TEST_F(Gate, BadInputExitsTwo) {
  json other = real_;
  other["schema_version"] = 99;
  auto o = gate(other);
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.output.find("schema_version is 99"), std::string::npos) << o.output;
  json unrelated = real_;
  for (auto& p : unrelated["points"]) p["parameters"]["chunk_size_bytes"] = 12345;
  o = gate(unrelated);
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.output.find("nothing in common"), std::string::npos) << o.output;
  std::ofstream(dir_ / "garbage.json") << "not json";
  o = run_kvslo("gate --baseline " + (dir_ / "garbage.json").string() + " --current " + save("c", real_).string());
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.output.find("garbage.json"), std::string::npos);
  EXPECT_EQ(gate(real_, "--threshold lots").exit_code, 2);
  EXPECT_EQ(gate(real_, "--metric speed").exit_code, 2);
}

}  // namespace
}  // namespace kvslo

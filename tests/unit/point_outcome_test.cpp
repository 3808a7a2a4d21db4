// A point's outcome (decided once, after it is measured), the run summary
// built from outcomes, and the "outcome" object of a point's results entry.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "run/console_reporter.hpp"
#include "run/point_outcome.hpp"
#include "experiment/tail_samples.hpp"
#include "run/tail_mark.hpp"
#include "run/run_results.hpp"
#include "run/run_server.hpp"
#include "run/run_summary.hpp"
#include "run/run_wire.hpp"

namespace kvslo {
namespace {

PointMeasurement measured(const std::string& client, const std::string& op, double gbps) {
  PointMeasurement m;
  m.spec.client = client;
  m.spec.op = *parse_enum<Op>(op);
  TrialFigures t;
  t.bytes = static_cast<std::uint64_t>(gbps * 1e9);
  t.seconds = 1;
  t.batches = 10;
  m.trials.push_back(t);
  m.batch_latency_ns = {1e6, 2e6};
  return m;
}

TEST(PointOutcome, AGetIsJudgedAgainstTheFloor) {
  const Slo slo;  // retrieval >= 2 GB/s
  const PointOutcome pass = judge_point(measured("zerocopy", "get", 3), slo);
  EXPECT_EQ(pass.status, PointStatus::kOk);
  EXPECT_EQ(pass.verdict, PointVerdict::kPass);
  EXPECT_TRUE(pass.judged);
  EXPECT_TRUE(pass.may_be_best);
  EXPECT_TRUE(pass.slo.pass);
  const PointOutcome fail = judge_point(measured("zerocopy", "get", 1), slo);
  EXPECT_EQ(fail.verdict, PointVerdict::kFail);
  EXPECT_TRUE(fail.judged);
  EXPECT_TRUE(fail.may_be_best);  // slow is not failed: it may still be a client's best
}

TEST(PointOutcome, FailedKeysAreFailedAndAPointThatCouldNotRunIsAnError) {
  PointMeasurement wrong = measured("zerocopy", "get", 9);
  wrong.verify_failures = 1;
  const PointOutcome failed = judge_point(wrong, Slo{});
  EXPECT_EQ(failed.status, PointStatus::kFailed);
  EXPECT_EQ(failed.verdict, PointVerdict::kFailed);  // whatever the figures say
  EXPECT_FALSE(failed.may_be_best);
  PointMeasurement error = measured("hiredis", "get", 0);
  error.trials.clear();
  error.failure = "connection refused";
  const PointOutcome errored = judge_point(error, Slo{});
  EXPECT_EQ(errored.status, PointStatus::kFailed);
  EXPECT_EQ(errored.verdict, PointVerdict::kError);
  EXPECT_EQ(std::string(to_string(errored.verdict)), "ERROR");
}

TEST(PointOutcome, InterruptedIsNeitherFailedNorABest) {
  PointMeasurement m = measured("zerocopy", "get", 3);
  m.interrupted = true;
  const PointOutcome o = judge_point(m, Slo{});
  EXPECT_EQ(o.status, PointStatus::kInterrupted);
  EXPECT_FALSE(o.failed());
  EXPECT_FALSE(o.may_be_best);
  EXPECT_EQ(o.verdict, PointVerdict::kFail);  // it did not complete
}

TEST(PointOutcome, WhatTheSloDoesNotJudgeIsNotApplicable) {
  const PointOutcome wire = judge_point(measured("iperf3", "get", 5), Slo{});
  EXPECT_EQ(wire.verdict, PointVerdict::kNotApplicable);
  EXPECT_FALSE(wire.judged);
  EXPECT_TRUE(wire.may_be_best);  // the side-by-side's reference
  ASSERT_EQ(wire.slo.reasons.size(), 1u);
  EXPECT_EQ(wire.slo.reasons.front(), "iperf3 moves no Redis data");
  const PointOutcome exists = judge_point(measured("zerocopy", "exists", 0), Slo{});
  EXPECT_EQ(exists.verdict, PointVerdict::kNotApplicable);
  EXPECT_EQ(std::string(to_string(exists.verdict)), "n/a");
}

TEST(RunSummary, CountsOutcomesAndKeepsEachClientsBest) {
  std::vector<PointResult> points;
  for (auto m : {measured("zerocopy", "get", 3), measured("zerocopy", "get", 1), measured("iperf3", "get", 5),
                 measured("hiredis", "get", 9)}) {
    points.push_back({m, judge_point(m, Slo{})});
  }
  points[3].measurement.status_counts[static_cast<std::size_t>(KeyStatus::kMissing)] = 1;
  points[3].outcome = judge_point(points[3].measurement, Slo{});
  const RunSummary summary = summarize_run(points);
  EXPECT_EQ(summary.points, 4u);
  EXPECT_EQ(summary.failed, 1u);
  EXPECT_EQ(summary.judged, 3u);  // not iperf3
  EXPECT_EQ(summary.meeting, 1u);
  ASSERT_EQ(summary.best.size(), 1u);  // hiredis failed; iperf3 is not judged
  EXPECT_EQ(summary.best.at("zerocopy get").index, 0u);
  EXPECT_TRUE(summary.best.at("zerocopy get").slo.pass);
}

TEST(PointEntry, CarriesTheOutcomeBesideStatusAndSlo) {
  const RunServer server(std::optional<std::string>("redis://127.0.0.1:1"), std::nullopt, {});
  const RunWire wire(std::nullopt, server);
  const std::vector<PointResult> earlier;
  const nlohmann::json settings = nlohmann::json::object();
  PointMeasurement m = measured("zerocopy", "get", 3);
  m.verify_failures = 2;
  const PointResult result{m, judge_point(m, Slo{})};
  const nlohmann::json entry = point_entry(result, Slo{}, PointContext{4, earlier, wire, settings, true});
  EXPECT_EQ(entry["index"], 4);
  EXPECT_EQ(entry["status"], "failed");
  EXPECT_EQ(entry["outcome"]["status"], "failed");
  EXPECT_EQ(entry["outcome"]["verdict"], "FAILED");
  EXPECT_EQ(entry["outcome"]["may_be_best"], false);
  EXPECT_EQ(entry["slo"]["pass"], false);
  EXPECT_TRUE(entry["slo"]["applicable"].get<bool>());
}

// Server CPU per GB: over every trial's bytes, unknown when any trial's is.
TEST(PointMeasurement, ServerCpuSecondsPerGbOverTheTrials) {
  PointMeasurement m = measured("zerocopy", "get", 2);  // 2e9 bytes in 1 s
  EXPECT_EQ(m.server_cpu_seconds_per_gb(), -1);          // the trial did not know it
  m.trials.front().server_cpu_seconds = 0.5;
  TrialFigures second = m.trials.front();
  second.bytes = 1'000'000'000;
  second.server_cpu_seconds = 0.4;
  m.trials.push_back(second);
  EXPECT_NEAR(m.server_cpu_seconds_per_gb(), 0.9 / 3.0, 1e-12);
  EXPECT_NEAR(m.to_json(Slo{})["server_cpu_seconds_per_gb"].get<double>(), 0.3, 1e-12);
  m.trials.back().server_cpu_seconds = -1;
  EXPECT_TRUE(m.to_json(Slo{})["server_cpu_seconds_per_gb"].is_null());
}

std::string console(const std::vector<PointMeasurement>& measured, const Slo& slo = Slo{}) {
  std::vector<PointResult> points;
  for (const auto& m : measured) points.push_back({m, judge_point(m, slo)});
  const RunSummary summary = summarize_run(points);
  const SideBySide side_by_side;
  const std::vector<PairedComparison> comparisons = compare_with_baseline(points);
  const RunServer server(std::optional<std::string>("redis://127.0.0.1:1"), std::nullopt, {});
  const RunWire wire(std::nullopt, server);
  std::ostringstream out;
  ConsoleReporter(out).report(RunReport{points, summary, side_by_side, comparisons, wire, slo, measured.size(), false, 1,
                                        "7.0.15", "redis://127.0.0.1:1", true});
  return out.str();
}

TEST(TailMark, APercentileShortOfSamplesIsMarked) {
  EXPECT_EQ(marked_percentile(51.23, 1, 32, 0.99), "51.2~");
  EXPECT_EQ(marked_percentile(51.23, 1, 99, 0.99), "51.2~");
  EXPECT_EQ(marked_percentile(51.23, 1, 100, 0.99), "51.2");
  EXPECT_TRUE(short_of_samples(999, 0.999));
  EXPECT_FALSE(short_of_samples(1000, 0.999));
  EXPECT_EQ(samples_needed(0.99), 100u);
  EXPECT_EQ(samples_needed(0.999), 1000u);
}

TEST(ConsoleReporter, EveryPercentileCarriesItsCountAndAShortTailIsMarked) {
  PointMeasurement few = measured("zerocopy", "get", 2);  // 2 batches: p99 is their maximum
  PointMeasurement many = measured("hiredis", "get", 2);
  many.batch_latency_ns.assign(100, 3e6);
  many.chunk_latency_ns.assign(800, 1e6);
  Slo slo;
  slo.batch_p99_ms = 10;
  const std::string out = console({few, many}, slo);
  EXPECT_NE(out.find("batch p50/p99 ms (n)"), std::string::npos) << out;
  EXPECT_NE(out.find(" 1.0/2.0~ (2) "), std::string::npos) << out;
  EXPECT_NE(out.find(" 3.0/3.0 (100) "), std::string::npos) << out;
  EXPECT_NE(out.find(" 1.00 (800) "), std::string::npos) << out;
  EXPECT_NE(out.find(kTailFootnote), std::string::npos) << out;
  EXPECT_NE(out.find("100.0% of 2 batches~ -> goodput"), std::string::npos) << out;
  EXPECT_NE(out.find("100.0% of 100 batches -> goodput"), std::string::npos) << out;
  // Enough samples everywhere: no mark, no footnote.
  const std::string enough = console({many}, slo);
  EXPECT_EQ(enough.find(kTailFootnote), std::string::npos) << enough;
  EXPECT_EQ(enough.find("~"), std::string::npos) << enough;
}

TEST(ConsoleReporter, PrintsServerCpuPerGbBesideTheClients) {
  PointMeasurement known = measured("zerocopy", "get", 2);
  known.trials.front().server_cpu_seconds = 0.5;  // 0.25 s/GB
  const PointMeasurement unknown = measured("hiredis", "get", 2);
  const std::string out = console({known, unknown});
  std::istringstream lines(out);
  std::string line, header, zerocopy, hiredis;
  while (std::getline(lines, line)) {
    if (line.rfind("client ", 0) == 0) header = line;
    if (line.rfind("zerocopy ", 0) == 0) zerocopy = line;
    if (line.rfind("hiredis ", 0) == 0) hiredis = line;
  }
  const auto column = header.find("srv s/GB");
  ASSERT_NE(column, std::string::npos) << out;
  // Right-aligned under its header: the figure ends where the header does.
  const auto end = column + std::string("srv s/GB").size();
  ASSERT_GE(zerocopy.size(), end) << out;
  EXPECT_EQ(zerocopy.substr(end - 5, 5), "0.250") << out;
  EXPECT_EQ(hiredis.substr(end - 1, 1), "-") << out;
}

}  // namespace
}  // namespace kvslo

namespace kvslo {
namespace {

PointMeasurement took_turns_at(const std::string& client, const std::vector<double>& gbps) {
  PointMeasurement m;
  m.spec.client = client;
  m.turn_group = 0;
  for (std::size_t r = 0; r < gbps.size(); ++r) {
    TrialFigures t;
    t.bytes = 1'000'000'000;
    t.seconds = 1 / gbps[r];
    t.cpu_seconds = client == "hiredis" ? 0.5 : 0.2;
    t.server_cpu_seconds = client == "hiredis" ? 0.3 : 0.4;
    t.batches = 1;
    t.round = static_cast<int>(r);
    m.trials.push_back(t);
  }
  return m;
}

TEST(PairedComparisons, EachClientAgainstTheBaselineOfItsRounds) {
  // The host halves its speed half way; zerocopy is 1.2x hiredis in every round.
  const std::vector<double> host{4, 4, 4, 2, 2, 2};
  std::vector<double> faster;
  for (double g : host) faster.push_back(g * 1.2);
  std::vector<PointResult> points;
  for (const auto& m : {took_turns_at("hiredis", host), took_turns_at("zerocopy", faster)}) {
    points.push_back({m, judge_point(m, Slo{})});
  }
  const auto comparisons = compare_with_baseline(points);
  ASSERT_EQ(comparisons.size(), 1u);
  const PairedComparison& c = comparisons.front();
  EXPECT_NEAR(c.gbps.estimate, 1.2, 1e-9);
  EXPECT_NEAR(c.gbps.low, 1.2, 1e-9);
  EXPECT_TRUE(c.gbps.reaches());
  EXPECT_NEAR(c.cpu_per_gb.estimate, 0.4, 1e-9);
  EXPECT_NEAR(c.ours_server_per_gb, 0.4, 1e-9);
  EXPECT_NEAR(c.baseline_server_per_gb, 0.3, 1e-9);
  std::ostringstream out;
  print_comparisons(comparisons, out);
  EXPECT_NE(out.str().find("1.20x [1.20-1.20]"), std::string::npos) << out.str();
  EXPECT_EQ(c.to_json()["gbps"]["rounds"], 6);
  // Points that did not take turns are not compared here.
  points[1].measurement.turn_group = -1;
  EXPECT_TRUE(compare_with_baseline(points).empty());
}

}  // namespace
}  // namespace kvslo

#pragma once
// `kvslo gate`: compares a run against a baseline point by point and fails
// on a real regression, not on noise. A point regresses on a metric when its
// figure moved the wrong way by more than the threshold AND the samples are
// separated: for throughput and CPU per GB, the trials' median, and the
// interval of current / baseline at 1 - 2 alpha (Hodges-Lehmann with its
// Mann-Whitney interval, the intervals every kvslo ratio uses) wholly on the
// worse side of 1 (or non-overlapping ranges); with --normalize, each trial
// is first divided by its reference's trial of the same round; for
// batch_p99, the batches' p99 and a one-sided Fisher exact test that a larger
// share of batches lies above the other run's p99 (a rank test of the whole
// distribution does not see a slow tail).
//
// FAILED (exit 1), whatever the trials say: a current point whose status is
// not ok (failed keys, wrong contents, interrupted), a baseline point whose
// status is not ok (no yardstick), and, with --normalize client:NAME, a
// reference that failed or measured nothing on either side, together with
// every point it normalises.
//
// untested (reported, does not fail): a batch_p99 row where either run has
// fewer than 100 batches, since that p99 is the maximum of a few batches,
// not a tail. It does not fail the gate because it says nothing about the
// code under test, only that the scenario is too short to gate on p99; it is
// listed and counted so it is never a silent pass.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kvslo {

enum class GateMetric { kThroughput, kBatchP99, kCpuPerGb };

struct GateOptions {
  std::filesystem::path baseline, current;
  double threshold = 0.10;  // relative change that counts
  double alpha = 0.05;      // significance of the rank test
  std::vector<GateMetric> metrics{GateMetric::kThroughput};
  std::string normalize = "none";  // none | client:NAME
  bool require_slo = false;
  bool fail_on_missing = false;  // a baseline point the current run lacks fails the gate
  std::optional<std::filesystem::path> junit, summary;
};

enum class GateStatus { kRegressed, kImproved, kSame, kMissing, kNew, kUntested, kFailed, kReference };

struct GateRow {
  GateStatus status = GateStatus::kSame;
  std::string metric;  // empty for missing / new rows
  std::string point;   // label
  double baseline = 0, current = 0, change = 0, p_value = 1;
  // The change's interval at 1 - 2 alpha (Hodges-Lehmann ratio of the trials,
  // Mann-Whitney) and its exact coverage (0: none computed, as for batch_p99).
  double change_low = 0, change_high = 0, change_confidence = 0;
  bool paired = false;  // normalised trial by trial against the reference's trial of the same round (both runs)
  std::string note;
};

struct GateReport {
  std::vector<GateRow> rows;
  bool slo_failed = false;
  bool fail_on_missing = false;
  std::string slo_note;
  int exit_code() const;
};

// Throws std::invalid_argument (bad input: exit 2) naming the file and field.
GateReport run_gate(const GateOptions& options);
// The table for the console, and a Markdown summary for CI pages.
std::string gate_table(const GateReport& report, const GateOptions& options);
std::string gate_markdown(const GateReport& report, const GateOptions& options);
std::string gate_junit(const GateReport& report);
GateMetric parse_gate_metric(const std::string& name);
// Pools several runs of one scenario into one baseline: the trials and batch
// samples of matching points are concatenated, so the baseline stands for the
// middle of the runs rather than one of them. Throws std::invalid_argument.
nlohmann::json merge_results(const std::vector<std::filesystem::path>& files);
std::string to_string(GateMetric metric);
std::string to_string(GateStatus status);

}  // namespace kvslo

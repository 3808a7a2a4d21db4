#pragma once
// `kvslo gate`: compares a run against a baseline point by point and fails
// on a real regression, not on noise. A point regresses on a metric when its
// median moved the wrong way by more than the threshold AND the trials are
// separated (one-sided Mann-Whitney p <= alpha, or non-overlapping ranges).

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
  std::string normalize = "none";  // none | wire | client:NAME
  bool require_slo = false;
  bool fail_on_missing = false;  // a baseline point the current run lacks fails the gate
  std::optional<std::filesystem::path> junit, summary;
};

enum class GateStatus { kRegressed, kImproved, kSame, kMissing, kNew, kFailed, kReference };

struct GateRow {
  GateStatus status = GateStatus::kSame;
  std::string metric;  // empty for missing / new rows
  std::string point;   // label
  double baseline = 0, current = 0, change = 0, p_value = 1;
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

#pragma once
// What a measured point comes to, decided once, right after it is measured:
// its status, its verdict in the summary table, whether it may be a client's
// best, and the SLO's verdict on it. Everything that reports a point (the
// results entry, the summary, the side-by-side table, the console) reads
// this instead of deciding again.

#include <string>

#include <nlohmann/json.hpp>

#include "experiment/slo.hpp"
#include "measure/point_measurement.hpp"

namespace kvslo {

enum class PointStatus {
  kOk,
  kFailed,       // it could not be measured, or a key failed or came back wrong
  kInterrupted,  // Ctrl-C during the point
};
// "ok", "failed", "interrupted" (the results' "status").
const char* to_string(PointStatus status);

// The summary table's SLO column.
enum class PointVerdict {
  kPass,           // the SLO judged the point and it met it
  kFail,           // the SLO judged the point and it did not meet it
  kNotApplicable,  // the SLO sets no floor for its op, or its client moves no Redis data
  kFailed,         // failed keys or wrong contents, whatever the figures say
  kError,          // the point could not be measured at all
};
// "PASS", "FAIL", "n/a", "FAILED", "ERROR".
const char* to_string(PointVerdict verdict);

struct PointOutcome {
  PointStatus status = PointStatus::kOk;
  PointVerdict verdict = PointVerdict::kNotApplicable;
  bool may_be_best = false;  // succeeded with trials: may be a client's best or compete in a bar
  bool judged = false;       // the SLO judged it (its pass counts towards "MET by n of m")
  Verdict slo;               // the results' "slo": the SLO's verdict, or why it does not judge the point
  bool failed() const { return status == PointStatus::kFailed; }
  bool ok() const { return status == PointStatus::kOk; }
  // The results' "outcome": {"status", "verdict", "may_be_best"}.
  nlohmann::json to_json() const;
};

// The one place a point is judged (judge() runs here, once per point).
PointOutcome judge_point(const PointMeasurement& measured, const Slo& slo);

// A point of a run: what was measured and what it comes to.
struct PointResult {
  PointMeasurement measurement;
  PointOutcome outcome;
};

}  // namespace kvslo

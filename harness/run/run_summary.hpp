#pragma once
// What a run adds up to, built once from its points' outcomes: how many
// failed, how many the SLO judged and how many met it, and each client's
// best point (only points that may be a best, and that the SLO judged,
// compete). The reporters read it.

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run/point_outcome.hpp"

namespace kvslo {

// A client's best point: `->` reaches its measurement.
struct BestPoint {
  std::size_t index = 0;                      // in the run's points
  const PointMeasurement* point = nullptr;    // into the list the summary was built from
  Verdict slo;                                // the point's outcome's
  const PointMeasurement* operator->() const { return point; }
};

struct RunSummary {
  std::size_t points = 0, meeting = 0, judged = 0, failed = 0;
  std::map<std::string, BestPoint> best;  // by "client op"
  nlohmann::json meeting_points = nlohmann::json::array();  // {"index", "label", "median_gbps"} each

  // Counts point `index` of the run; `m` must outlive the summary.
  void add(std::size_t index, const PointMeasurement& m, const PointOutcome& outcome);
};

RunSummary summarize_run(const std::vector<PointResult>& points);
// The same for bare measurements, each judged here; `best` points into `measured`.
RunSummary summarize_run(const std::vector<PointMeasurement>& measured, const Slo& slo);

}  // namespace kvslo

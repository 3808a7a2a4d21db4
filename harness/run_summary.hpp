#pragma once
// What a run adds up to, computed once from its measured points: how many
// failed, how many the SLO judged and how many met it, and each client's
// best point (only points that succeeded compete). The JSON summary and the
// console verdict both read it.

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "point_runner.hpp"
#include "slo.hpp"

namespace kvslo {

struct RunSummary {
  std::size_t meeting = 0, judged = 0, failed = 0;
  std::map<std::string, const PointMeasurement*> best;  // by "client op"; points into the measured list
  nlohmann::json meeting_points = nlohmann::json::array();
};

RunSummary summarize_run(const std::vector<PointMeasurement>& measured, const Slo& slo);
nlohmann::json summary_json(const RunSummary& t, const std::vector<PointMeasurement>& measured, std::size_t planned,
                            const Slo& slo, bool interrupted, double elapsed_seconds);
// "SLO (...): MET by 2 of 6 points", each client's best, attainment and goodput.
void print_verdict(const RunSummary& t, const std::vector<PointMeasurement>& measured, const Slo& slo, std::ostream& out);

}  // namespace kvslo

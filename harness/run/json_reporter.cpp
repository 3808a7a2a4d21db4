#include "run/json_reporter.hpp"

namespace kvslo {

nlohmann::json summary_json(const RunReport& run) {
  const RunSummary& t = run.summary;
  nlohmann::json best_json = nlohmann::json::object();
  for (const auto& [client, best] : t.best) {
    best_json[client] = {{"point", best->spec.to_json()}, {"median_gbps", best->median_gbps()}, {"meets_slo", best.slo.pass}};
  }
  return {{"points", run.points.size()},
          {"points_planned", run.planned},
          {"points_failed", t.failed},
          {"points_judged", t.judged},
          {"points_meeting_slo", t.meeting},
          {"slo_met", t.meeting > 0},
          {"meeting_slo", t.meeting_points},
          {"best_per_client", best_json},
          {"interrupted", run.interrupted},
          {"elapsed_seconds", run.elapsed_seconds}};
}

void JsonReporter::report(const RunReport& run) {
  if (!run.side_by_side.empty()) results_.set("side_by_side", run.side_by_side.to_json());
  nlohmann::json comparisons = nlohmann::json::array();
  for (const auto& c : run.comparisons) comparisons.push_back(c.to_json());
  results_.set("paired_comparisons", comparisons);
  results_.set("summary", summary_json(run));
}

}  // namespace kvslo

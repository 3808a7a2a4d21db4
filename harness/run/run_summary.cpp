#include "run/run_summary.hpp"

namespace kvslo {

void RunSummary::add(std::size_t index, const PointMeasurement& m, const PointOutcome& outcome) {
  ++points;
  if (outcome.failed()) ++failed;
  if (!outcome.judged) return;
  ++judged;
  if (outcome.slo.pass) {
    ++meeting;
    meeting_points.push_back({{"index", index}, {"label", m.spec.label()}, {"median_gbps", m.median_gbps()}});
  }
  if (!outcome.may_be_best) return;
  auto [it, inserted] = best.try_emplace(m.spec.client + " " + to_string(m.spec.op));
  if (inserted || m.median_gbps() > it->second->median_gbps()) it->second = BestPoint{index, &m, outcome.slo};
}

RunSummary summarize_run(const std::vector<PointResult>& points) {
  RunSummary summary;
  for (std::size_t i = 0; i < points.size(); ++i) summary.add(i, points[i].measurement, points[i].outcome);
  return summary;
}

RunSummary summarize_run(const std::vector<PointMeasurement>& measured, const Slo& slo) {
  RunSummary summary;
  for (std::size_t i = 0; i < measured.size(); ++i) summary.add(i, measured[i], judge_point(measured[i], slo));
  return summary;
}

}  // namespace kvslo

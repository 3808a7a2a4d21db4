#include "measure/point_comparison.hpp"

#include <map>

namespace kvslo {
namespace {

double value_of(const TrialFigures& t, TrialMetric metric) {
  if (t.bytes == 0) return -1;
  return metric == TrialMetric::kThroughput ? t.gbps() : t.cpu_seconds / (static_cast<double>(t.bytes) / 1e9);
}

std::map<int, double> by_round(const PointMeasurement& m, TrialMetric metric) {
  std::map<int, double> out;
  for (const auto& t : m.trials) {
    if (t.round >= 0 && value_of(t, metric) > 0) out[t.round] = value_of(t, metric);
  }
  return out;
}

}  // namespace

std::vector<double> trial_values(const PointMeasurement& m, TrialMetric metric) {
  std::vector<double> out;
  for (const auto& t : m.trials) {
    if (value_of(t, metric) > 0) out.push_back(value_of(t, metric));
  }
  return out;
}

bool took_turns(const PointMeasurement& a, const PointMeasurement& b) {
  return a.turn_group >= 0 && a.turn_group == b.turn_group;
}

Interval point_ratio(const PointMeasurement& a, const PointMeasurement& b, TrialMetric metric) {
  if (!took_turns(a, b)) return unpaired_ratio(trial_values(a, metric), trial_values(b, metric));
  const auto ra = by_round(a, metric), rb = by_round(b, metric);
  std::vector<double> va, vb;
  for (const auto& [round, value] : ra) {
    if (auto it = rb.find(round); it != rb.end()) {
      va.push_back(value);
      vb.push_back(it->second);
    }
  }
  return paired_ratio(va, vb);
}

Interval throughput_interval(const PointMeasurement& m) {
  return median_interval(trial_values(m, TrialMetric::kThroughput));
}

}  // namespace kvslo

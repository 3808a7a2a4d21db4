#include "experiment/tail_samples.hpp"

#include <algorithm>
#include <cmath>

namespace kvslo {

std::size_t samples_needed(double quantile) {
  return quantile >= 1 ? 0 : static_cast<std::size_t>(std::llround(1.0 / (1.0 - quantile)));
}

std::size_t planned_batches(const PointSpec& spec) { return spec.batches() * static_cast<std::size_t>(spec.trials); }

std::vector<std::string> tail_sample_warnings(const std::vector<PointSpec>& points, const Slo& slo) {
  if (!slo.batch_p99_ms) return {};
  std::size_t short_points = 0;
  const PointSpec* fewest = nullptr;
  for (const auto& p : points) {
    if (p.op == Op::kExists || planned_batches(p) >= kSamplesForP99) continue;
    ++short_points;
    if (!fewest || planned_batches(p) < planned_batches(*fewest)) fewest = &p;
  }
  if (!fewest) return {};
  return {"warning: slo.batch_p99_ms is judged from " + std::to_string(planned_batches(*fewest)) +
          " batches per point (" + std::to_string(fewest->trials) + " trials x " + std::to_string(fewest->batches()) +
          " batches) at " + fewest->label() + (short_points > 1 ? " and " + std::to_string(short_points - 1) + " more points" : "") +
          ": a p99 of fewer than " + std::to_string(kSamplesForP99) +
          " batches is their maximum; raise workload.trials or workload.batches_per_trial"};
}

}  // namespace kvslo

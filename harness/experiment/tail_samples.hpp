#pragma once
// How many samples a tail percentile needs. A nearest-rank p99 of fewer than
// 100 samples is simply their maximum (p99.9: 1,000): one slow batch, not a
// tail. Printed percentiles are marked when short of it, and a scenario that
// judges a latency bound from too few batches is warned about.

#include <cstddef>
#include <string>
#include <vector>

#include "experiment/point_spec.hpp"
#include "experiment/slo.hpp"

namespace kvslo {

inline constexpr std::size_t kSamplesForP99 = 100;
inline constexpr std::size_t kSamplesForP999 = 1000;

// The fewest samples for which the nearest-rank `quantile` (0.99) is not the
// maximum: 1 / (1 - quantile), rounded.
std::size_t samples_needed(double quantile);

// The timed batches a point plans over its trials (batches per trial x
// trials; a time limit may cut them short).
std::size_t planned_batches(const PointSpec& spec);

// One warning per run when the SLO judges a batch p99 and some point plans
// fewer than 100 batches; empty otherwise. Names the fewest, the points and
// the settings to raise.
std::vector<std::string> tail_sample_warnings(const std::vector<PointSpec>& points, const Slo& slo);

}  // namespace kvslo

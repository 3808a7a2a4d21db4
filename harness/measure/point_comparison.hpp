#pragma once
// Ratios between two measured points, with their 95% intervals: paired by
// round when the points took turns (host drift then falls on both and
// cancels), unpaired otherwise. Every ratio kvslo prints between points
// (side by side, the bar, % of wire) comes from here.

#include <vector>

#include "measure/intervals.hpp"
#include "measure/point_measurement.hpp"

namespace kvslo {

enum class TrialMetric { kThroughput, kCpuPerGb };

// The metric of each trial that moved bytes (CPU per GB: of those with CPU figures).
std::vector<double> trial_values(const PointMeasurement& m, TrialMetric metric);
// Whether a's and b's trials pair by round.
bool took_turns(const PointMeasurement& a, const PointMeasurement& b);
// a's metric over b's, per round when they took turns.
Interval point_ratio(const PointMeasurement& a, const PointMeasurement& b, TrialMetric metric);
// The point's own median throughput with its interval (the sign test's).
Interval throughput_interval(const PointMeasurement& m);

}  // namespace kvslo

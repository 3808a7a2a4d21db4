#pragma once
// Every client and peer of a run side by side: per (op, chunk size, streams)
// group, GB/s, client CPU per GB and % of iperf3 in the same direction; and
// "the bar", the ratios kvslo's clients must reach against the peers:
//   best kvslo GET >= 95% of iperf3 -R, best kvslo SET >= 90% of iperf3
//   zerocopy (fixed) >= 1.3x hiredis GB/s and <= 0.4x its CPU per GB
//   zerocopy (fixed) >= 3x redis-py (GET, the write-up's retrieval figure)
//   best kvslo >= redis-benchmark at equal connections
// Bars are printed and written, never turned into an exit code: they are
// figures of one run on one machine, not tests.

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run/point_outcome.hpp"

namespace kvslo {

struct BarCheck {
  std::string name;    // "best kvslo get vs iperf3 -R"
  std::string group;   // "get 4MiB streams=2"
  std::string ours, theirs;  // point labels compared
  double ratio = 0;    // ours / theirs (for CPU: ours / theirs as well)
  double bar = 0;      // the ratio to reach
  bool at_most = false;  // the ratio must stay at or below the bar (CPU per GB)
  bool met() const { return at_most ? ratio <= bar : ratio >= bar; }
  nlohmann::json to_json() const;
};

struct SideBySide {
  nlohmann::json table = nlohmann::json::array();  // one row per point, grouped
  std::vector<BarCheck> bars;
  bool empty() const { return table.empty(); }
  void print(std::ostream& out) const;
  nlohmann::json to_json() const;
};

// Empty unless the run measured at least one peer. Only points whose
// outcome may be a best compete in a bar or serve as the iperf3 reference.
SideBySide compare_side_by_side(const std::vector<PointResult>& points);
// The same for bare measurements, each judged here (the side-by-side reads
// no SLO figure, so the default SLO does).
SideBySide compare_side_by_side(const std::vector<PointMeasurement>& measured);

// The median GB/s of an iperf3 point of `points` in the same direction,
// chunk size and stream count (0 when there is none).
double iperf3_reference(const std::vector<PointResult>& points, const PointSpec& spec);

}  // namespace kvslo

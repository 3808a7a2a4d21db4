#pragma once
// Every client and peer of a run side by side: per (op, chunk size, streams)
// group, GB/s, client CPU per GB and % of iperf3 in the same direction; and
// "the bar", the ratios kvslo's clients must reach against the peers:
//   best kvslo GET >= 95% of iperf3 -R, best kvslo SET >= 90% of iperf3
//   zerocopy (fixed) >= 1.3x hiredis GB/s and <= 0.4x its CPU per GB
//   zerocopy (fixed) >= 3x redis-py (GET, the write-up's retrieval figure)
//   best kvslo >= redis-benchmark at equal connections
// Every ratio comes with its 95% interval, from trials paired by round when
// the points took turns (measure/point_comparison.hpp); a bar is MET or
// MISSED only when the whole interval is on one side of it, UNDECIDED
// otherwise. Bars are printed and written, never turned into an exit code:
// they are figures of one run on one machine, not tests.

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "measure/intervals.hpp"
#include "run/point_outcome.hpp"

namespace kvslo {

struct BarCheck {
  std::string name;    // "best kvslo get vs iperf3 -R"
  std::string group;   // "get 4MiB streams=2"
  std::string ours, theirs;  // point labels compared
  Interval ratio;      // ours / theirs (for CPU: ours / theirs as well)
  bool paired = false;   // from rounds paired by turn (else from unpaired trials)
  double bar = 0;      // the ratio to reach
  bool at_most = false;  // the ratio must stay at or below the bar (CPU per GB)
  BarDecision decision() const { return decide_bar(ratio, bar, at_most); }
  bool met() const { return decision() == BarDecision::kMet; }
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

// The iperf3 point of `points` in the same direction, chunk size and stream
// count that may serve as the wire (null when there is none).
const PointMeasurement* iperf3_reference(const std::vector<PointResult>& points, const PointSpec& spec);

}  // namespace kvslo

#pragma once
// One trial of a point measured by several ranks at once, put together on
// rank 0's clock (as IOR and elbencho report a run of many hosts):
//   aggregate GB/s = every rank's verified bytes / (last end - first start)
//   first done     = the bytes every rank had moved when the first rank
//                    finished (a batch in flight counted by the share of its
//                    time past), over the time until then (elbencho's
//                    stonewall: what the fleet moved while all of it ran)
//   start skew     = last start - first start.
// Pure: no MPI, testable on figures alone.

#include <vector>

#include <nlohmann/json.hpp>

#include "measure/point_measurement.hpp"

namespace kvslo::fleet {

struct RankTrial {
  int rank = 0;
  TrialFigures figures;  // window_begin/end and batch_marks already on rank 0's clock
};

struct FleetTrial {
  TrialFigures aggregate;  // bytes, batches, failed keys and CPU summed; seconds: the fleet's window
  nlohmann::json record;   // the trial's entry in the point's "fleet" (per rank and for the fleet)
};

// `ranks`: the ranks that ran the trial (at least one, each with a window).
// Times in the record count from `origin` (rank 0's clock, e.g. its trial's start).
FleetTrial combine_trial(const std::vector<RankTrial>& ranks, double origin);

}  // namespace kvslo::fleet

#pragma once
// The point loop of a run: each point measured, judged, recorded in the
// results and written before the next; a dataset no later point reads is
// dropped as soon as it can be, and every dataset kvslo wrote on a user's
// server is deleted on every way out.

#include <atomic>
#include <vector>

#include "run/point_outcome.hpp"
#include "run/run_command.hpp"
#include "run/run_results.hpp"
#include "run/run_server.hpp"
#include "run/run_wire.hpp"

namespace kvslo {
namespace fleet {
class FleetLead;
}

struct MeasuredPoints {
  std::vector<PointResult> points;  // in the order measured
  bool write_failed = false;        // the results could not be written (the loop stopped there)
};

// Stops early at Ctrl-C, a failed write, or a failed point with --fail-fast.
// `fleet`: under mpirun, kvslo's clients run on every rank it leads.
MeasuredPoints measure_points(const RunRequest& request, const std::atomic<bool>& stop_requested, RunServer& server,
                              RunWire& wire, ResultsWriter& results, fleet::FleetLead* fleet = nullptr);

}  // namespace kvslo

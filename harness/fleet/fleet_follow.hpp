#pragma once
// Every rank but 0 under mpirun: it does what rank 0 says, point by point
// (open against the endpoint rank 0 sends, run a trial at the instant rank
// 0 names, report, finish), and writes nothing of its own. Waiting, it
// sleeps between polls: an idle rank does not spin.

#include <atomic>
#include <vector>

#include "experiment/point_spec.hpp"
#include "fleet/mpi_link.hpp"

namespace kvslo::fleet {

// Until rank 0 says quit; returns the process's exit code.
int follow_rank_zero(MpiLink& link, const std::vector<PointSpec>& points, const std::atomic<bool>& stop);

}  // namespace kvslo::fleet

#pragma once
// Which points a run of `world` ranks can measure (1: kvslo alone), decided
// the same way on every rank before anything runs: a point that asks for
// more ranks than mpirun started, a peer on more than one rank (each rank
// runs kvslo's own clients; a peer process has no window on rank 0's clock),
// or a split of the keys that leaves a rank without a whole batch, is
// skipped with why.

#include <vector>

#include "experiment/point_spec.hpp"
#include "experiment/scenario.hpp"

namespace kvslo::fleet {

// Throws std::invalid_argument (the first reason) when no point is left.
void fit_points_to_ranks(std::vector<PointSpec>& points, std::vector<SkippedPoint>& skipped, int world);

}  // namespace kvslo::fleet

#pragma once
// Where a rank runs: what the fleet's record says about each rank's host.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/point_spec.hpp"

namespace kvslo::fleet {

// {host, pid, cpus_allowed, cpus_online, net_namespace}: cpus_allowed below
// cpus_online means mpirun bound the rank (its client threads share those).
nlohmann::json describe_this_rank();
// One text that differs when two ranks expanded the scenario differently
// (another file of the same name on another host, another kvslo).
std::string points_fingerprint(const std::vector<PointSpec>& points);

}  // namespace kvslo::fleet

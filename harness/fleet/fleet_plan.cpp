#include "fleet/fleet_plan.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "experiment/client_catalog.hpp"
#include "measure/key_share.hpp"

namespace kvslo::fleet {
namespace {

std::string refusal(const PointSpec& p, int world) {
  const int ranks = p.ranks == 0 ? world : p.ranks;
  if (ranks > world) {
    return "ranks " + std::to_string(p.ranks) + ": " +
           (world == 1 ? "kvslo runs alone (start it with mpirun -n " + std::to_string(p.ranks) + " or more)"
                       : "mpirun started " + std::to_string(world) + " ranks");
  }
  if (ranks > 1 && !client_entry(p.client).in_process) {
    return "ranks " + std::to_string(ranks) + ": " + p.client + " is measured by rank 0 alone under mpirun (ranks 1); "
           "every rank runs kvslo's own clients";
  }
  try {
    key_share(p, 0, ranks);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

// A point that names as many ranks as the run has, beside the same point
// for all ranks (ranks 1 and "all" alone): the same measurement twice.
bool measured_as_all(const PointSpec& p, const std::vector<PointSpec>& points, int world) {
  if (p.ranks != world) return false;
  PointSpec all = p;
  all.ranks = 0;
  const std::string wanted = all.to_json().dump();
  return std::any_of(points.begin(), points.end(), [&](const PointSpec& o) { return o.ranks == 0 && o.to_json().dump() == wanted; });
}

}  // namespace

void fit_points_to_ranks(std::vector<PointSpec>& points, std::vector<SkippedPoint>& skipped, int world) {
  std::vector<PointSpec> kept;
  std::string first_refusal;
  for (const PointSpec& p : points) {
    if (measured_as_all(p, points, world)) {
      skipped.push_back({p.label(), "ranks " + std::to_string(p.ranks) + ": that is every rank this run has (measured once, as ranks all)"});
      continue;
    }
    if (const std::string why = refusal(p, world); !why.empty()) {
      if (first_refusal.empty()) first_refusal = why;
      skipped.push_back({p.label(), why});
    } else {
      kept.push_back(p);
    }
  }
  if (kept.empty() && !first_refusal.empty()) throw std::invalid_argument(first_refusal);
  points = std::move(kept);
}

}  // namespace kvslo::fleet

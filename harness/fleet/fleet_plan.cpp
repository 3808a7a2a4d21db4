#include "fleet/fleet_plan.hpp"

#include <map>
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

}  // namespace

void fit_points_to_ranks(std::vector<PointSpec>& points, std::vector<SkippedPoint>& skipped, int world) {
  std::vector<PointSpec> kept;
  std::map<std::string, bool> seen;  // each point kept, and whether a rank count resolved it
  std::string first_refusal;
  for (const PointSpec& asked : points) {
    if (const std::string why = refusal(asked, world); !why.empty()) {
      if (first_refusal.empty()) first_refusal = why;
      skipped.push_back({asked.label(), why});
      continue;
    }
    // Alone, one rank is all of them: the point is what a run without mpirun
    // measures. Under mpirun, "all" is the count, so a point of the fleet
    // never shares its identity with a point measured alone (its GB/s is
    // the fleet's window, not one client's batch times).
    PointSpec p = asked;
    p.ranks = world == 1 ? 0 : (p.ranks == 0 ? world : p.ranks);
    // (A run alone keeps its own points as they were, unless a rank count made two of them one.)
    const bool counted = world > 1 || asked.ranks != 0;
    const auto [earlier, fresh] = seen.emplace(p.comparable(), counted);
    if (!fresh && (counted || earlier->second)) {
      skipped.push_back({asked.label(), "ranks " + (asked.ranks == 0 ? std::string("all") : std::to_string(asked.ranks)) +
                                            ": with " + std::to_string(world) + (world == 1 ? " rank" : " ranks") +
                                            ", the same point as another of this run (measured once)"});
      continue;
    }
    kept.push_back(std::move(p));
  }
  if (kept.empty() && !first_refusal.empty()) throw std::invalid_argument(first_refusal);
  points = std::move(kept);
}

}  // namespace kvslo::fleet

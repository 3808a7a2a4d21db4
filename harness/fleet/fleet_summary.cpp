#include "fleet/fleet_summary.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include "experiment/units.hpp"
#include "measure/stats.hpp"

namespace kvslo::fleet {
namespace {

double median_of(std::vector<double> v) { return v.empty() ? 0 : summarize(v).p50; }

}  // namespace

std::string fleet_line(const nlohmann::json& fleet) {
  if (!fleet.is_object() || fleet["trials"].empty()) return "";
  std::vector<double> first_done;
  double skew = 0, idle_seconds = 0, idle_cpu = 0;
  std::map<int, std::vector<double>> per_rank;
  for (const auto& t : fleet["trials"]) {
    first_done.push_back(t["first_done_gbps"].get<double>());
    skew = std::max(skew, t["start_skew_s"].get<double>());
    for (const auto& r : t["ranks"]) per_rank[r["rank"].get<int>()].push_back(r["gbps"].get<double>());
    for (const auto& i : t.value("idle_ranks", nlohmann::json::array())) {
      idle_seconds += i["seconds"].get<double>();
      idle_cpu += i["cpu_seconds"].get<double>();
    }
  }
  std::string ranks;
  double lowest = 1e300, highest = 0;
  for (const auto& [rank, figures] : per_rank) {
    const double m = median_of(figures);
    lowest = std::min(lowest, m);
    highest = std::max(highest, m);
    ranks += (ranks.empty() ? "" : " / ") + format_fixed(m, 2);
  }
  std::string line = "    fleet: " + std::to_string(fleet["ranks"].get<int>()) + " of " + std::to_string(fleet["world"].get<int>()) +
                     " ranks (keys " + fleet["keys"].get<std::string>() + "): first done " + format_fixed(median_of(first_done), 2) +
                     " GB/s; per rank " + ranks + " GB/s" +
                     (per_rank.size() > 1 && highest > 0 ? " (slowest/fastest " + format_fixed(lowest / highest, 2) + ")" : "") +
                     "; start skew up to " + format_fixed(skew * 1e3, 2) + " ms";
  if (idle_seconds > 0) {
    line += "; idle ranks' CPU " + format_fixed(100 * idle_cpu / idle_seconds, 1) + "% of a core while they waited";
  }
  return line + "\n";
}

}  // namespace kvslo::fleet

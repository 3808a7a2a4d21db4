#include "run/paired_comparisons.hpp"

#include <cstdio>
#include <map>

#include "experiment/client_catalog.hpp"
#include "experiment/units.hpp"
#include "measure/point_comparison.hpp"

namespace kvslo {
namespace {

bool is_baseline(const PointSpec& s) {
  const ClientEntry& c = client_entry(s.client);
  return c.kind == ClientKind::kKvslo && c.rung_of(s) == 0;
}

std::string group_label(const PointSpec& s) {
  return to_string(s.op) + " " + format_size(s.chunk_size) + " streams=" + std::to_string(s.streams);
}

std::string per_gb(double v) { return v >= 0 ? format_fixed(v, 3) : "-"; }

}  // namespace

nlohmann::json PairedComparison::to_json() const {
  auto interval = [](const Interval& i) {
    return i.empty() ? nlohmann::json(nullptr)
                     : nlohmann::json{{"ratio", i.estimate}, {"low", i.low}, {"high", i.high}, {"confidence", i.confidence},
                                      {"rounds", i.n}};
  };
  auto server = [](double v) { return v >= 0 ? nlohmann::json(v) : nlohmann::json(nullptr); };
  return {{"group", group},
          {"ours", ours},
          {"baseline", baseline},
          {"gbps", interval(gbps)},
          {"cpu_per_gb", interval(cpu_per_gb)},
          {"server_cpu_seconds_per_gb", {{"ours", server(ours_server_per_gb)}, {"baseline", server(baseline_server_per_gb)}}}};
}

std::vector<PairedComparison> compare_with_baseline(const std::vector<PointResult>& points) {
  std::map<int, std::vector<const PointResult*>> groups;
  for (const auto& r : points) {
    if (r.measurement.turn_group >= 0 && r.outcome.may_be_best) groups[r.measurement.turn_group].push_back(&r);
  }
  std::vector<PairedComparison> out;
  for (const auto& [id, group] : groups) {
    std::vector<const PointMeasurement*> baselines;
    for (const auto* r : group) {
      if (is_baseline(r->measurement.spec)) baselines.push_back(&r->measurement);
    }
    if (baselines.empty()) continue;
    for (const auto* r : group) {
      const PointMeasurement& m = r->measurement;
      if (client_entry(m.spec.client).kind != ClientKind::kKvslo || is_baseline(m.spec)) continue;
      const PointMeasurement* base = baselines.front();
      for (const auto* b : baselines) {
        if (b->spec.pipeline_depth == m.spec.pipeline_depth) {
          base = b;
          break;
        }
      }
      out.push_back({group_label(m.spec), m.spec.label(), base->spec.label(), point_ratio(m, *base, TrialMetric::kThroughput),
                     point_ratio(m, *base, TrialMetric::kCpuPerGb), m.server_cpu_seconds_per_gb(),
                     base->server_cpu_seconds_per_gb()});
    }
  }
  return out;
}

void print_comparisons(const std::vector<PairedComparison>& comparisons, std::ostream& out) {
  if (comparisons.empty()) return;
  out << "\nAgainst the baseline client in the same rounds (ratios with 95% intervals, paired by round):\n";
  char line[512];
  std::snprintf(line, sizeof line, "  %-22s %-28s %-22s %-22s %s\n", "group", "client", "GB/s vs baseline",
                "CPU s/GB vs baseline", "srv s/GB (vs baseline)");
  out << line;
  bool short_of_rounds = false;
  for (const auto& c : comparisons) {
    short_of_rounds = short_of_rounds || !c.gbps.reaches();
    const std::string client = c.ours.substr(0, c.ours.find(' '));
    const std::string mark = c.gbps.reaches() ? "" : " ~";
    std::snprintf(line, sizeof line, "  %-22s %-28s %-22s %-22s %s (%s)\n", c.group.c_str(), client.c_str(),
                  (format_ratio(c.gbps) + mark).c_str(), format_ratio(c.cpu_per_gb).c_str(), per_gb(c.ours_server_per_gb).c_str(),
                  per_gb(c.baseline_server_per_gb).c_str());
    out << line;
  }
  if (short_of_rounds) out << "  ~ fewer than 6 rounds: the interval covers less than 95% (--trials 6 or --precision 5%)\n";
}

}  // namespace kvslo

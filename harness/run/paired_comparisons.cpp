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

// Of `candidates`, the one that shares most with m: its pipeline depth first,
// then its threads, then its inflight (ties: the first).
const PointMeasurement* closest(const std::vector<const PointMeasurement*>& candidates, const PointMeasurement& m) {
  const PointMeasurement* found = candidates.front();
  int best = -1;
  for (const auto* c : candidates) {
    const int score = (c->spec.pipeline_depth == m.spec.pipeline_depth ? 4 : 0) + (c->spec.threads == m.spec.threads ? 2 : 0) +
                      (c->spec.inflight == m.spec.inflight ? 1 : 0);
    if (score > best) {
      best = score;
      found = c;
    }
  }
  return found;
}

bool without_ablation(const PointSpec& s) {
  return s.gil == GilMode::kReleased && s.completion == CompletionMode::kEventfd && s.tls == TlsMode::kOff;
}

// For an ablation (tiled-py's gil=held or completion=poll) or a TLS point,
// the same client's point without it, alike otherwise: what the ablation,
// or TLS, itself costs.
const PointMeasurement* ablation_default(const PointMeasurement& m, const std::vector<const PointMeasurement*>& same_client) {
  const PointSpec& s = m.spec;
  if (without_ablation(s)) return nullptr;
  for (const auto* c : same_client) {
    const PointSpec& o = c->spec;
    if (without_ablation(o) && o.py_tasks == s.py_tasks && o.threads == s.threads && o.pipeline_depth == s.pipeline_depth &&
        o.inflight == s.inflight && o.fixed_size == s.fixed_size && o.receive == s.receive && o.ranks == s.ranks &&
        o.fleet_keys == s.fleet_keys) {
      return c;
    }
  }
  return nullptr;
}

// Under mpirun, a point read by several ranks against the same point read
// by rank 0 alone: what more client hosts buy (paired by round like any turn).
const PointMeasurement* one_rank_alike(const PointMeasurement& m, const std::vector<const PointMeasurement*>& same_client) {
  if (!m.fleet.is_object() || m.fleet.value("ranks", 1) <= 1) return nullptr;
  PointSpec key = m.spec;
  key.ranks = 1;
  const std::string wanted = key.comparable();
  for (const auto* c : same_client) {
    if (c->spec.ranks == 1 && c->spec.comparable() == wanted) return c;
  }
  return nullptr;
}

// The points read by as many ranks as `m` (all of them, alone).
std::vector<const PointMeasurement*> same_ranks(const std::vector<const PointMeasurement*>& points, const PointSpec& m) {
  std::vector<const PointMeasurement*> out;
  for (const auto* p : points) {
    if (p->spec.ranks == m.ranks && p->spec.fleet_keys == m.fleet_keys) out.push_back(p);
  }
  return out;
}

PairedComparison compare(const PointMeasurement& m, const PointMeasurement& base) {
  const PointSpec& s = m.spec;
  std::string shown = s.client + " d" + std::to_string(s.pipeline_depth) + (s.threads > 1 ? " t" + std::to_string(s.threads) : "");
  if (!s.variant().empty()) shown += " " + s.variant();
  const std::string base_shown = base.spec.client + (base.spec.ranks != s.ranks ? " ranks=" + std::to_string(base.spec.ranks) : "");
  return {group_label(s),   s.label(), base.spec.label(), shown, base_shown, point_ratio(m, base, TrialMetric::kThroughput),
          point_ratio(m, base, TrialMetric::kCpuPerGb), m.server_cpu_seconds_per_gb(), base.server_cpu_seconds_per_gb()};
}

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
          {"baseline_client", baseline_client},
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
    std::map<std::string, std::vector<const PointMeasurement*>> by_client;
    std::vector<const PointMeasurement*> baselines;
    for (const auto* r : group) {
      by_client[r->measurement.spec.client].push_back(&r->measurement);
      if (is_baseline(r->measurement.spec)) baselines.push_back(&r->measurement);
    }
    for (const auto* r : group) {
      const PointMeasurement& m = r->measurement;
      const ClientEntry& client = client_entry(m.spec.client);
      if (client.kind != ClientKind::kKvslo || is_baseline(m.spec)) continue;
      // The baseline (hiredis) speaks no TLS: a TLS point is compared with its own client in plain TCP below.
      // Under mpirun, only with the baseline read by as many ranks.
      const auto alike_baselines = same_ranks(baselines, m.spec);
      if (!alike_baselines.empty() && m.spec.tls == TlsMode::kOff) out.push_back(compare(m, *closest(alike_baselines, m)));
      // tiled-py is also measured as a share of the C++ harness driving the same core.
      if (const auto it = by_client.find(client.compared_with); !client.compared_with.empty() && it != by_client.end()) {
        if (const auto alike = same_ranks(it->second, m.spec); !alike.empty()) out.push_back(compare(m, *closest(alike, m)));
      }
      if (const auto* reference = ablation_default(m, by_client[m.spec.client])) out.push_back(compare(m, *reference));
      if (const auto* alone = one_rank_alike(m, by_client[m.spec.client])) out.push_back(compare(m, *alone));
    }
  }
  return out;
}

void print_comparisons(const std::vector<PairedComparison>& comparisons, std::ostream& out) {
  if (comparisons.empty()) return;
  out << "\nAgainst the baseline client in the same rounds (ratios with 95% intervals, paired by round):\n";
  char line[640];
  std::snprintf(line, sizeof line, "  %-22s %-34s %-9s %-22s %-22s %s\n", "group", "client", "vs", "GB/s ratio",
                "CPU s/GB ratio", "srv s/GB (theirs)");
  out << line;
  bool short_of_rounds = false;
  for (const auto& c : comparisons) {
    short_of_rounds = short_of_rounds || !c.gbps.reaches();
    const std::string mark = c.gbps.reaches() ? "" : " ~";
    std::snprintf(line, sizeof line, "  %-22s %-34s %-9s %-22s %-22s %s (%s)\n", c.group.c_str(), c.ours_shown.c_str(),
                  c.baseline_client.c_str(), (format_ratio(c.gbps) + mark).c_str(), format_ratio(c.cpu_per_gb).c_str(), per_gb(c.ours_server_per_gb).c_str(),
                  per_gb(c.baseline_server_per_gb).c_str());
    out << line;
  }
  if (short_of_rounds) out << "  ~ fewer than 6 rounds: the interval covers less than 95% (--trials 6 or --precision 5%)\n";
}

}  // namespace kvslo

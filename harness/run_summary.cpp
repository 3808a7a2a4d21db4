#include "run_summary.hpp"

#include "client_catalog.hpp"
#include "units.hpp"

namespace kvslo {

RunSummary summarize_run(const std::vector<PointMeasurement>& measured, const Slo& slo) {
  RunSummary t;
  for (std::size_t i = 0; i < measured.size(); ++i) {
    const auto& m = measured[i];
    if (m.status() == "failed") ++t.failed;
    // The SLO judges Redis retrieval: iperf3 and the null client move no Redis data.
    Verdict v = judge(slo, m.figures());
    if (!v.applicable || !client_entry(m.spec.client).judged_by_slo) continue;
    ++t.judged;
    if (v.pass) {
      ++t.meeting;
      t.meeting_points.push_back({{"index", i}, {"label", m.spec.label()}, {"median_gbps", m.median_gbps()}});
    }
    if (!m.succeeded()) continue;  // a failed point is never a client's best
    auto& b = t.best[m.spec.client + " " + to_string(m.spec.op)];
    if (!b || m.median_gbps() > b->median_gbps()) b = &m;
  }
  return t;
}

nlohmann::json summary_json(const RunSummary& t, const std::vector<PointMeasurement>& measured, std::size_t planned,
                            const Slo& slo, bool interrupted, double elapsed_seconds) {
  nlohmann::json best_json = nlohmann::json::object();
  for (const auto& [client, m] : t.best) {
    best_json[client] = {{"point", m->spec.to_json()}, {"median_gbps", m->median_gbps()},
                         {"meets_slo", judge(slo, m->figures()).pass}};
  }
  return {{"points", measured.size()},
          {"points_planned", planned},
          {"points_failed", t.failed},
          {"points_judged", t.judged},
          {"points_meeting_slo", t.meeting},
          {"slo_met", t.meeting > 0},
          {"meeting_slo", t.meeting_points},
          {"best_per_client", best_json},
          {"interrupted", interrupted},
          {"elapsed_seconds", elapsed_seconds}};
}

void print_verdict(const RunSummary& t, const std::vector<PointMeasurement>& measured, const Slo& slo, std::ostream& out) {
  std::string slo_text = "retrieval >= " + format_fixed(slo.retrieval_gbps) + " GB/s";
  if (slo.store_gbps) slo_text += ", store >= " + format_fixed(*slo.store_gbps) + " GB/s";
  if (slo.batch_p99_ms) slo_text += ", batch p99 <= " + format_fixed(*slo.batch_p99_ms) + " ms";
  out << "SLO (" << slo_text << "): ";
  if (t.judged == 0) {
    out << "no point measured an op the SLO judges\n";
    return;
  }
  out << (t.meeting > 0 ? "MET" : "NOT MET") << " by " << t.meeting << " of " << t.judged << " points\n";
  for (const auto& [client, m] : t.best) {
    Verdict v = judge(slo, m->figures());
    out << "  best " << client << ": " << format_gbps(m->median_gbps()) << " (" << m->spec.label() << ") "
        << (v.pass ? "PASS" : "FAIL") << (v.reasons.empty() ? "" : ": " + v.reasons.front()) << "\n";
  }
  if (!slo.batch_p99_ms) return;
  out << "  attainment (batches within " << format_fixed(*slo.batch_p99_ms) << " ms) and goodput:\n";
  for (const auto& m : measured) {
    if (m.batch_latency_ns.empty() || m.spec.op == Op::kExists) continue;
    const double within = m.attainment(*slo.batch_p99_ms);
    out << "    " << m.spec.label() << ": " << format_fixed(within * 100, 1) << "% -> goodput "
        << format_gbps(m.median_gbps() * within) << "\n";
  }
}

}  // namespace kvslo

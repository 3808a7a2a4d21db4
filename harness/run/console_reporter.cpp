#include "run/console_reporter.hpp"

#include <cstdio>

#include "experiment/client_catalog.hpp"
#include "experiment/slo_derivation.hpp"
#include "experiment/units.hpp"
#include "fleet/fleet_summary.hpp"
#include "measure/stats.hpp"
#include "run/tail_mark.hpp"

namespace kvslo {
namespace {

constexpr const char* kRowFormat = "%-9s %-6s %7s %5s %4s %4s %5s %23s %21s %15s %8s %8s  %-5s %s\n";

std::string table_header() {
  char line[640];
  std::snprintf(line, sizeof line, kRowFormat, "client", "op", "chunk", "batch", "strm", "thr", "depth",
                "GB/s median [min-max]", "batch p50/p99 ms (n)", "chunk p99 (n)", "CPU s/GB", "srv s/GB", "SLO", "variant");
  return line;
}

std::string table_row(const PointResult& r) {
  const PointMeasurement& m = r.measurement;
  const PointSpec& s = m.spec;
  const auto b = summarize(m.batch_latency_ns);
  const auto c = summarize(m.chunk_latency_ns);
  std::vector<double> g;
  for (const auto& t : m.trials) g.push_back(t.gbps());
  const auto sp = spread(g);
  const double cpu_per_gb = m.cpu_seconds_per_gb();
  const std::string client = s.client + (client_entry(s.client).kind != ClientKind::kKvslo ? "*" : "");
  const std::string gbps = format_fixed(sp.median) + " [" + format_fixed(sp.min) + "-" + format_fixed(sp.max) + "]";
  const std::string batch_ms = m.batch_latency_ns.empty() ? "-"
                               : format_fixed(b.p50 / 1e6, 1) + "/" + marked_percentile(b.p99 / 1e6, 1, b.count, 0.99) +
                                     " (" + std::to_string(b.count) + ")";
  const std::string chunk_ms = m.chunk_latency_ns.empty()
                                   ? "-"
                                   : marked_percentile(c.p99 / 1e6, 2, c.count, 0.99) + " (" + std::to_string(c.count) + ")";
  const std::string cpu = cpu_per_gb >= 0 ? format_fixed(cpu_per_gb, 3) : "-";
  const double server_per_gb = m.server_cpu_seconds_per_gb();
  const std::string server_cpu = server_per_gb >= 0 ? format_fixed(server_per_gb, 3) : "-";
  char line[640];
  std::snprintf(line, sizeof line, kRowFormat, client.c_str(), to_string(s.op).c_str(), format_size(s.chunk_size).c_str(),
                std::to_string(s.chunks_per_batch).c_str(), std::to_string(s.streams).c_str(),
                std::to_string(s.threads).c_str(), std::to_string(s.pipeline_depth).c_str(), gbps.c_str(),
                batch_ms.c_str(), chunk_ms.c_str(), cpu.c_str(), server_cpu.c_str(), to_string(r.outcome.verdict),
                s.variant().empty() ? "-" : s.variant().c_str());
  return line;
}

// Over a cluster: each shard's share of the bytes, its chunk p99 and server
// CPU, how even the shards were, and the redirections followed.
void print_shards(const nlohmann::json& c, std::ostream& out) {
  out << "    shards (bytes, chunk p99 ms, server CPU s):";
  for (const auto& s : c["shards"]) {
    out << " " << s["address"].get<std::string>() << " " << format_fixed(s["share_of_bytes"].get<double>() * 100, 0) << "%, "
        << (s["chunk_latency"].value("count", 0) > 0 ? format_fixed(s["chunk_latency"].value("p99", 0.0), 2) : std::string("-"))
        << ", "
        << (s["server_cpu_seconds"].is_number() ? format_fixed(s["server_cpu_seconds"].get<double>(), 2) : std::string("-"))
        << (s["failed_keys"].get<std::uint64_t>() > 0 ? " (" + std::to_string(s["failed_keys"].get<std::uint64_t>()) + " keys failed)" : "")
        << ";";
  }
  const auto& r = c["redirects"];
  out << " busiest/mean "
      << (c["bytes_max_over_mean"].is_number() ? format_fixed(c["bytes_max_over_mean"].get<double>(), 2) : std::string("-"))
      << "; MOVED " << r["moved"].get<std::uint64_t>() << ", ASK " << r["ask"].get<std::uint64_t>() << "\n";
}

// Under a point's row: tiled stages, tiled-py's boundary, why it failed, warnings, its first errors.
void print_point_notes(const PointMeasurement& m, std::ostream& out) {
  if (!m.transfer_ns.empty()) {
    auto q = summarize(m.queue_wait_ns), t = summarize(m.transfer_ns), h = summarize(m.handoff_ns);
    std::string workers;
    for (auto w : m.worker_bytes) workers += (workers.empty() ? "" : " / ") + format_fixed(static_cast<double>(w) / 1e9, 2);
    out << "    stages p50/p99 ms (n=" << t.count << "): queue " << format_fixed(q.p50 / 1e6, 3) << "/"
        << marked_percentile(q.p99 / 1e6, 3, q.count, 0.99) << ", transfer " << format_fixed(t.p50 / 1e6, 1) << "/"
        << marked_percentile(t.p99 / 1e6, 1, t.count, 0.99) << ", hand-off " << format_fixed(h.p50 / 1e6, 3) << "/"
        << marked_percentile(h.p99 / 1e6, 3, h.count, 0.99) << (workers.empty() ? "" : "; GB per worker: " + workers) << "\n";
  }
  if (const auto& b = m.boundary; b.is_object() && b.contains("wakeups_per_batch") && b["wakeups_per_batch"].is_number()) {
    const auto& py = b["python_time_per_batch"];
    out << "    boundary: " << format_fixed(b["wakeups_per_batch"].get<double>(), 3) << " loop wakeups per batch ("
        << b["wakeups"].get<std::uint64_t>() << " for " << b["batches_completed"].get<std::uint64_t>() << " batches, "
        << b["empty_wakeups"].get<std::uint64_t>() << " found nothing); Python time per batch p50/p99 "
        << format_fixed(py.value("p50", 0.0), 3) << "/" << format_fixed(py.value("p99", 0.0), 3) << " ms\n";
  }
  if (m.cluster) print_shards(m.cluster->to_json(), out);
  out << fleet::fleet_line(m.fleet);
  if (m.quiet_wait && !m.quiet_wait->quiet) {
    const QuietWait& w = *m.quiet_wait;
    std::string still;
    for (const auto& p : w.pending) still += (still.empty() ? "" : ", ") + p;
    out << "    warning: the server was not quiet after the dataset load (waited " << format_fixed(w.seconds, 1) << " s"
        << (w.cpu_rate >= 0 ? ", its CPU " + format_fixed(w.cpu_rate * 100, 0) + "% of a core" : "")
        << (still.empty() ? "" : ", still running: " + still) << (w.error.empty() ? "" : ", " + w.error)
        << "); the first trials may read low\n";
  }
  if (!m.failure.empty()) out << "    error: " << m.failure << "\n";
  for (const auto& w : m.buffer_warnings()) out << "    warning: " << w << "\n";
  for (std::size_t i = 0; i < m.errors.size() && i < 3; ++i) out << "    " << m.errors[i] << "\n";
}

void print_points(const std::vector<PointResult>& points, std::ostream& out) {
  out << table_header();
  for (const auto& r : points) {
    out << table_row(r);
    print_point_notes(r.measurement, out);
  }
}

void print_wire(const RunWire& wire, const std::vector<PointResult>& points, std::ostream& out) {
  if (wire.curve().empty()) return;
  out << "\nThe wire (iperf3 on the same path, same streams, writes of min(chunk, 1MiB)):\n";
  for (const auto& [shape, w] : wire.curve()) {
    out << "  " << shape.first << " streams, " << format_size(shape.second) << ": " << format_gbps(w.gbps) << ", RTT "
        << format_fixed(w.rtt_ms, 3) << " ms, " << w.retransmits << " retransmits\n";
  }
  for (const auto& r : points) {
    const PointMeasurement& m = r.measurement;
    // A point measured against an iperf3 point has its % of wire in the
    // side-by-side table, in its op's direction.
    if (iperf3_reference(points, m.spec)) continue;
    const double gbps = wire.measured_gbps(m.spec);
    if (gbps <= 0 || m.trials.empty()) continue;
    out << "  " << m.spec.label() << ": " << format_fixed(m.median_gbps() / gbps * 100, 0) << "% of wire\n";
  }
  if (!wire.tuning_text().empty()) out << "\nNetwork tuning (kvslo changes nothing itself):\n" << wire.tuning_text();
}

std::string slo_text(const Slo& slo) {
  std::string text = "retrieval >= " + format_fixed(slo.retrieval_gbps) + " GB/s";
  if (slo.store_gbps) text += ", store >= " + format_fixed(*slo.store_gbps) + " GB/s";
  if (slo.batch_p99_ms) text += ", batch p99 <= " + format_fixed(*slo.batch_p99_ms) + " ms";
  return text;
}

// The share of each point's batches within the SLO's latency bound, and the goodput that came with it.
void print_attainment(const std::vector<PointResult>& points, double bound_ms, std::ostream& out) {
  out << "  attainment (batches within " << format_fixed(bound_ms) << " ms) and goodput:\n";
  for (const auto& r : points) {
    const PointMeasurement& m = r.measurement;
    if (m.batch_latency_ns.empty() || m.spec.op == Op::kExists) continue;
    const double within = m.attainment(bound_ms);
    const std::size_t n = m.batch_latency_ns.size();
    // The bound is a p99's: judged from fewer than 100 batches, it is judged by their slowest.
    out << "    " << m.spec.label() << ": " << format_fixed(within * 100, 1) << "% of " << n << " batches"
        << (short_of_samples(n, 0.99) ? "~" : "") << " -> goodput " << format_gbps(m.median_gbps() * within) << "\n";
  }
}

// Whether any printed p99 came from fewer than 100 samples (the footnote explains "~").
bool any_short_tail(const std::vector<PointResult>& points) {
  for (const auto& r : points) {
    const PointMeasurement& m = r.measurement;
    for (const auto* samples : {&m.batch_latency_ns, &m.chunk_latency_ns, &m.transfer_ns}) {
      if (!samples->empty() && short_of_samples(samples->size(), 0.99)) return true;
    }
  }
  return false;
}

}  // namespace

void print_verdict(const RunReport& run, std::ostream& out) {
  const RunSummary& t = run.summary;
  if (run.slo.retrieval_derived_from) out << explain_retrieval_slo(*run.slo.retrieval_derived_from) << "\n";
  out << "SLO (" << slo_text(run.slo) << "): ";
  if (t.judged == 0) {
    out << "no point measured an op the SLO judges\n";
    return;
  }
  out << (t.meeting > 0 ? "MET" : "NOT MET") << " by " << t.meeting << " of " << t.judged << " points\n";
  for (const auto& [client, best] : t.best) {
    out << "  best " << client << ": " << format_gbps(best->median_gbps()) << " (" << best->spec.label() << ") "
        << (best.slo.pass ? "PASS" : "FAIL") << (best.slo.reasons.empty() ? "" : ": " + best.slo.reasons.front()) << "\n";
  }
  if (run.slo.batch_p99_ms) print_attainment(run.points, *run.slo.batch_p99_ms, out);
}

void ConsoleReporter::report(const RunReport& run) {
  out_ << "\n";
  print_points(run.points, out_);
  run.side_by_side.print(out_);
  // With peers the side-by-side table holds these comparisons and more.
  if (run.side_by_side.empty()) print_comparisons(run.comparisons, out_);
  print_wire(run.wire, run.points, out_);
  out_ << "\nThroughput is payload bytes / wall time of the timed batches, in GB/s (10^9 bytes/s).\n";
  out_ << "CPU s/GB is kvslo's own CPU seconds per GB moved; srv s/GB the Redis server's (INFO cpu over the trials).\n";
  if (any_short_tail(run.points)) out_ << kTailFootnote << "\n";
  out_ << run.server_name << " at " << run.server << (run.embedded ? " (embedded)" : "") << "\n";
  print_verdict(run, out_);
}

}  // namespace kvslo

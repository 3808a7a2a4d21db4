#include "run_command.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "embedded_redis.hpp"
#include "environment.hpp"
#include "point_runner.hpp"
#include "results_file.hpp"
#include "stats.hpp"
#include "units.hpp"

namespace kvslo {
namespace {

std::string utc_timestamp(const char* format) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, format, &tm);
  return buffer;
}

std::string fixed(double v, int decimals = 2) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

// Memory the embedded server needs for every dataset the points read. Values
// land in jemalloc size classes up to 25% above their size, plus per-key
// overhead; 1.5x plus a margin keeps noeviction from ever refusing a SET.
std::uint64_t embedded_maxmemory(const std::vector<PointSpec>& points) {
  std::set<std::pair<std::string, std::uint64_t>> shapes;
  std::uint64_t bytes = 0;
  for (const auto& p : points) {
    if (shapes.insert({p.key_prefix, p.chunk_size}).second) bytes += p.key_count() * p.chunk_size;
  }
  return bytes + bytes / 2 + (64ull << 20);
}

void print_summary(const std::vector<PointMeasurement>& measured, const Slo& slo, std::ostream& out) {
  char line[512];
  std::snprintf(line, sizeof line, "%-20s %-6s %8s %5s %7s %5s %23s %17s %10s %8s  %s\n", "client", "op", "chunk",
                "batch", "streams", "depth", "GB/s median [min-max]", "batch p50/p99 ms", "chunk p99", "CPU s/GB",
                "SLO");
  out << line;
  for (const auto& m : measured) {
    const auto& s = m.spec;
    auto b = summarize(m.batch_latency_ns);
    auto c = summarize(m.chunk_latency_ns);
    std::vector<double> g;
    double bytes = 0, cpu = 0;
    for (const auto& t : m.trials) {
      g.push_back(t.gbps());
      bytes += static_cast<double>(t.bytes);
      cpu += t.cpu_seconds;
    }
    auto sp = spread(g);
    Verdict v = judge(slo, m.figures());
    std::string client = s.client + (s.fixed_size ? "" : "(generic)") + (s.threads > 1 ? " t" + std::to_string(s.threads) : "");
    std::string verdict = !v.applicable ? "n/a" : v.pass ? "PASS" : "FAIL";
    if (!m.failure.empty()) verdict = "ERROR";
    std::snprintf(line, sizeof line, "%-20s %-6s %8s %5zu %7d %5d %23s %17s %10s %8s  %s\n", client.c_str(),
                  s.op.c_str(), format_size(s.chunk_size).c_str(), s.chunks_per_batch, s.streams, s.pipeline_depth,
                  (fixed(sp.median) + " [" + fixed(sp.min) + "-" + fixed(sp.max) + "]").c_str(),
                  (fixed(b.p50 / 1e6, 1) + "/" + fixed(b.p99 / 1e6, 1)).c_str(), fixed(c.p99 / 1e6, 2).c_str(),
                  bytes > 0 ? fixed(cpu / (bytes / 1e9), 3).c_str() : "-", verdict.c_str());
    out << line;
    if (!m.failure.empty()) out << "    error: " << m.failure << "\n";
    for (std::size_t i = 0; i < m.errors.size() && i < 3; ++i) out << "    " << m.errors[i] << "\n";
  }
}

}  // namespace

std::filesystem::path default_results_path() {
  return std::filesystem::path("results") / ("run-" + utc_timestamp("%Y%m%d-%H%M%S") + ".json");
}

int run_points(const RunRequest& request, const std::atomic<bool>& stop_requested) {
  // Refuse a run that cannot fit before starting anything.
  std::uint64_t largest_tile = 0;
  for (const auto& p : request.points) largest_tile = std::max(largest_tile, p.batch_bytes());
  const std::uint64_t dataset = request.redis_url ? 0 : embedded_maxmemory(request.points);
  const std::uint64_t needed = dataset + largest_tile + (256ull << 20);
  const std::uint64_t available = available_memory_bytes();
  if (available > 0 && needed > available) {
    std::cerr << "kvslo: this run needs about " << format_size(needed) << " of memory (embedded Redis dataset "
              << format_size(dataset) << " + batch buffers " << format_size(largest_tile)
              << " + loader 256MiB) but only " << format_size(available)
              << " is available; reduce --working-set or --chunks-per-batch\n";
    return kExitBadInput;
  }

  std::unique_ptr<EmbeddedRedis> embedded;
  net::Endpoint endpoint;
  try {
    if (request.redis_url) {
      endpoint = net::Endpoint::parse_with_environment(*request.redis_url);
    } else {
      EmbeddedRedisOptions options;
      options.maxmemory_bytes = dataset;
      std::cerr << "kvslo: starting an embedded redis-server (maxmemory " << format_size(dataset) << ")\n";
      embedded = std::make_unique<EmbeddedRedis>(options);
      endpoint = embedded->endpoint();
    }
  } catch (const std::invalid_argument& e) {
    std::cerr << "kvslo: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "kvslo: " << e.what() << "\n";
    return kExitInfrastructure;
  }

  nlohmann::json document;
  document["tool"] = "kvslo";
  document["created_at"] = utc_timestamp("%Y-%m-%dT%H:%M:%SZ");
  document["command_line"] = request.command_line;
  document["units"] = {{"throughput", "GB/s = 10^9 bytes per second of payload"},
                       {"latency", "ms"},
                       {"sizes", "bytes (KiB/MiB/GiB = 2^10/2^20/2^30, KB/MB/GB = 10^3/10^6/10^9)"}};
  document["environment"] = {{"host", describe_host()},
                             {"build", describe_build()},
                             {"redis", describe_redis(endpoint, embedded != nullptr)}};
  document["slo"] = request.slo.to_json();
  ResultsFile results(request.out, document);
  try {
    results.write();
  } catch (const std::exception& e) {
    std::cerr << "kvslo: " << e.what() << "\n";
    return kExitInfrastructure;
  }

  PointRunner runner(endpoint, stop_requested);
  std::vector<PointMeasurement> measured;
  const std::size_t total = request.points.size();
  const auto started = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < total && !stop_requested; ++i) {
    const PointSpec& spec = request.points[i];
    std::cerr << "[" << i + 1 << "/" << total << "] " << spec.label() << " ..." << std::flush;
    PointMeasurement m = runner.run(spec);
    std::cerr << " " << (m.failure.empty() ? format_gbps(m.median_gbps()) : "failed") << "\n";
    nlohmann::json point = m.to_json(request.slo);
    point["index"] = i;
    results.add_point(std::move(point));
    measured.push_back(std::move(m));
    results.write();
  }
  const bool interrupted = stop_requested.load();

  // Run summary: which points meet the SLO, the best per client.
  std::map<std::string, const PointMeasurement*> best;
  std::size_t meeting = 0, judged = 0, failed = 0;
  for (const auto& m : measured) {
    Verdict v = judge(request.slo, m.figures());
    if (!m.failure.empty() || m.failed_keys() > 0 || m.verify_failures > 0) ++failed;
    if (!v.applicable) continue;
    ++judged;
    if (v.pass) ++meeting;
    auto& b = best[m.spec.client];
    if (!b || m.median_gbps() > b->median_gbps()) b = &m;
  }
  nlohmann::json best_json = nlohmann::json::object();
  for (const auto& [client, m] : best) {
    best_json[client] = {{"point", m->spec.to_json()}, {"median_gbps", m->median_gbps()},
                         {"meets_slo", judge(request.slo, m->figures()).pass}};
  }
  results.set("summary", {{"points", measured.size()},
                          {"points_planned", total},
                          {"points_failed", failed},
                          {"points_judged", judged},
                          {"points_meeting_slo", meeting},
                          {"slo_met", meeting > 0},
                          {"best_per_client", best_json},
                          {"interrupted", interrupted},
                          {"elapsed_seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}});
  results.write();

  std::cout << "\n";
  print_summary(measured, request.slo, std::cout);
  std::cout << "\nThroughput is payload bytes / wall time of the timed batches, in GB/s (10^9 bytes/s).\n";
  std::cout << "Redis " << document["environment"]["redis"].value("redis_version", std::string("?")) << " at "
            << endpoint.display() << (embedded ? " (embedded)" : "") << "\n";
  std::string slo_text = "retrieval >= " + fixed(request.slo.retrieval_gbps) + " GB/s";
  if (request.slo.batch_p99_ms) slo_text += ", batch p99 <= " + fixed(*request.slo.batch_p99_ms) + " ms";
  std::cout << "SLO (" << slo_text << "): ";
  if (judged == 0) {
    std::cout << "no point measured an op the SLO judges\n";
  } else {
    std::cout << (meeting > 0 ? "MET" : "NOT MET") << " by " << meeting << " of " << judged << " points\n";
    for (const auto& [client, m] : best) {
      Verdict v = judge(request.slo, m->figures());
      std::cout << "  best " << client << ": " << format_gbps(m->median_gbps()) << " (" << m->spec.label() << ") "
                << (v.pass ? "PASS" : "FAIL") << (v.reasons.empty() ? "" : ": " + v.reasons.front()) << "\n";
    }
  }
  std::cout << "Results: " << results.path().string() << "\n";
  if (interrupted) {
    std::cerr << "kvslo: interrupted; " << measured.size() << " finished points are in " << results.path().string()
              << "\n";
    return kExitInterrupted;
  }
  if (failed > 0) return kExitPointFailed;
  if (request.require_slo && meeting == 0) return kExitSloNotMet;
  return kExitOk;
}

}  // namespace kvslo

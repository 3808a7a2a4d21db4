#include "run_command.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include <unistd.h>

#include "command_channel.hpp"
#include "embedded_redis.hpp"
#include "environment.hpp"
#include "point_runner.hpp"
#include "results_file.hpp"
#include "side_by_side.hpp"
#include "stats.hpp"
#include "tuning.hpp"
#include "wire.hpp"
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

// Memory the embedded server needs for every dataset the points read. Values
// land in jemalloc size classes up to 25% above their size, plus per-key
// overhead; 1.5x plus a margin keeps noeviction from ever refusing a SET.
// A dataset is dropped once no later point reads it, and points run in
// chunk-size order, so the server holds one dataset at a time: the largest
// decides.
// redis-benchmark brings a dataset of its own, held beside kvslo's while it runs.
std::uint64_t embedded_maxmemory(const std::vector<PointSpec>& points) {
  std::uint64_t largest = 0, largest_peer = 0;
  for (const auto& p : points) {
    auto& slot = p.client == "redis-benchmark" ? largest_peer : largest;
    slot = std::max<std::uint64_t>(slot, p.chunk_size * p.key_count());
  }
  const std::uint64_t held = largest + largest_peer;
  return held + held / 2 + (64ull << 20);
}

std::tuple<std::string, std::uint64_t, std::size_t, std::map<std::string, std::string>> dataset_of(const PointSpec& p) {
  return {p.key_prefix, p.chunk_size, p.key_count(), p.redis_settings};
}

std::string format_duration(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  if (s < 60) return std::to_string(s) + "s";
  return std::to_string(s / 60) + "m" + (s % 60 < 10 ? "0" : "") + std::to_string(s % 60) + "s";
}

// Progress on stderr: a live line on a terminal, plain lines in a log.
class Progress {
 public:
  explicit Progress(std::size_t total) : total_(total), live_(::isatty(2) == 1), start_(std::chrono::steady_clock::now()) {}
  void starting(std::size_t i, const PointSpec& spec) {
    const std::string eta = i == 0 ? "" : ", ETA " + format_duration(elapsed() / static_cast<double>(i) * static_cast<double>(total_ - i));
    const std::string text = "[" + std::to_string(i + 1) + "/" + std::to_string(total_) + "] " + spec.label() + eta + last_;
    if (live_) {
      std::cerr << "\r\033[K" << text << std::flush;
    } else {
      std::cerr << text << "\n";
    }
  }
  void finished(const std::string& figure) {
    last_ = ", last " + figure;
    if (!live_) std::cerr << "    -> " << figure << "\n";
  }
  void done() {
    if (live_) std::cerr << "\r\033[K";
    std::cerr << "kvslo: " << total_ << " points in " << format_duration(elapsed()) << "\n";
  }

 private:
  double elapsed() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }
  std::size_t total_;
  bool live_;
  std::chrono::steady_clock::time_point start_;
  std::string last_;
};

nlohmann::json read_redis_settings(const net::Endpoint& endpoint) {
  nlohmann::json out = nlohmann::json::object();
  try {
    CommandChannel channel(endpoint, std::chrono::milliseconds(3000));
    for (const char* name : {"io-threads", "io-threads-do-reads"}) {
      resp::Reply r = channel.call({"CONFIG", "GET", name});
      if (r.type == resp::Reply::Type::kArray && r.elements.size() == 2) out[name] = r.elements[1].text;
    }
  } catch (const std::exception& e) {
    out["error"] = e.what();
  }
  return out;
}

void print_summary(const std::vector<PointMeasurement>& measured, const Slo& slo, std::ostream& out) {
  char line[640];
  const char* format = "%-9s %-6s %7s %5s %4s %4s %5s %23s %16s %9s %8s  %-5s %s\n";
  std::snprintf(line, sizeof line, format, "client", "op", "chunk", "batch", "strm", "thr", "depth",
                "GB/s median [min-max]", "batch p50/p99 ms", "chunk p99", "CPU s/GB", "SLO", "variant");
  out << line;
  for (const auto& m : measured) {
    const auto& s = m.spec;
    auto b = summarize(m.batch_latency_ns);
    auto c = summarize(m.chunk_latency_ns);
    std::vector<double> g;
    for (const auto& t : m.trials) g.push_back(t.gbps());
    const double cpu_per_gb = m.cpu_seconds_per_gb();
    auto sp = spread(g);
    Verdict v = judge(slo, m.figures());
    std::string verdict = !v.applicable || !judged_by_slo(s.client) ? "n/a" : v.pass ? "PASS" : "FAIL";
    if (!m.failure.empty()) verdict = "ERROR";
    const std::string client = s.client + (is_peer(s.client) ? "*" : "");
    const std::string batch_ms = m.batch_latency_ns.empty() ? "-" : format_fixed(b.p50 / 1e6, 1) + "/" + format_fixed(b.p99 / 1e6, 1);
    const std::string chunk_ms = m.chunk_latency_ns.empty() ? "-" : format_fixed(c.p99 / 1e6, 2);
    std::snprintf(line, sizeof line, format, client.c_str(), s.op.c_str(), format_size(s.chunk_size).c_str(),
                  std::to_string(s.chunks_per_batch).c_str(), std::to_string(s.streams).c_str(),
                  std::to_string(s.threads).c_str(), std::to_string(s.pipeline_depth).c_str(),
                  (format_fixed(sp.median) + " [" + format_fixed(sp.min) + "-" + format_fixed(sp.max) + "]").c_str(),
                  batch_ms.c_str(), chunk_ms.c_str(),
                  cpu_per_gb >= 0 ? format_fixed(cpu_per_gb, 3).c_str() : "-", verdict.c_str(), s.variant().empty() ? "-" : s.variant().c_str());
    out << line;
    if (!m.transfer_ns.empty()) {
      auto q = summarize(m.queue_wait_ns), t = summarize(m.transfer_ns), h = summarize(m.handoff_ns);
      std::string workers;
      for (auto w : m.worker_bytes) workers += (workers.empty() ? "" : " / ") + format_fixed(static_cast<double>(w) / 1e9, 2);
      out << "    stages p50/p99 ms: queue " << format_fixed(q.p50 / 1e6, 3) << "/" << format_fixed(q.p99 / 1e6, 3) << ", transfer "
          << format_fixed(t.p50 / 1e6, 1) << "/" << format_fixed(t.p99 / 1e6, 1) << ", hand-off " << format_fixed(h.p50 / 1e6, 3) << "/"
          << format_fixed(h.p99 / 1e6, 3) << "; GB per worker: " << workers << "\n";
    }
    if (!m.failure.empty()) out << "    error: " << m.failure << "\n";
    for (const auto& w : m.buffer_warnings()) out << "    warning: " << w << "\n";
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
  std::map<std::string, std::string> server_settings;
  auto start_embedded = [&](const std::map<std::string, std::string>& settings) {
    embedded.reset();
    EmbeddedRedisOptions options;
    options.maxmemory_bytes = dataset;
    for (const auto& [key, value] : settings) options.config.emplace_back(key, value);
    std::string shown;
    for (const auto& [key, value] : settings) shown += ", " + key + " " + value;
    std::cerr << "kvslo: starting an embedded redis-server (maxmemory " << format_size(dataset) << shown << ")\n";
    embedded = std::make_unique<EmbeddedRedis>(options);
    endpoint = embedded->endpoint();
    server_settings = settings;
  };
  try {
    if (request.redis_url) {
      endpoint = net::Endpoint::parse_with_environment(*request.redis_url);
    } else {
      start_embedded(request.points.empty() ? std::map<std::string, std::string>{} : request.points.front().redis_settings);
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
  if (!request.scenario.is_null()) document["scenario"] = request.scenario;
  ResultsFile results(request.out, document);
  try {
    results.write();
  } catch (const std::exception& e) {
    std::cerr << "kvslo: " << e.what() << "\n";
    return kExitInfrastructure;
  }

  // Where iperf3 measures the wire (for --wire and the iperf3 peer): the
  // given target, else an iperf3 server of our own beside the embedded Redis
  // (started on first use, kept for the run), else the Redis host.
  std::unique_ptr<EmbeddedIperf> local_iperf;
  auto wire_target = [&]() -> WireTarget {
    if (request.wire && !request.wire->target.empty()) return WireTarget::parse(request.wire->target);
    if (embedded) {
      if (!local_iperf) local_iperf = std::make_unique<EmbeddedIperf>();
      return local_iperf->target();
    }
    if (endpoint.kind == net::Endpoint::Kind::kTcp) return WireTarget{endpoint.host, 5201};
    throw WireError("a unix-socket Redis has no wire to measure");
  };
  // The wire on the same path, at the points' stream counts and (capped)
  // chunk sizes, before any point: a failure here is recorded, and the
  // points still run.
  std::map<std::pair<int, std::uint64_t>, WireSample> wire;
  std::string tuning_text;
  if (request.wire) {
    nlohmann::json network;
    try {
      const WireTarget target = wire_target();
      network["target"] = target.display();
      std::set<std::pair<int, std::uint64_t>> shapes;
      for (const auto& p : request.points) shapes.insert({p.streams, std::min(p.chunk_size, kIperfMaxLength)});
      nlohmann::json curve = nlohmann::json::array();
      std::vector<WireSample> samples;
      for (const auto& [streams, length] : shapes) {
        if (stop_requested) break;
        std::cerr << "kvslo: wire (iperf3) to " << target.display() << ", " << streams << " streams, "
                  << format_size(length) << " writes ..." << std::flush;
        WireSample w = measure_wire(target, streams, length, request.wire->seconds);
        std::cerr << " " << format_gbps(w.gbps) << "\n";
        wire[{streams, length}] = w;
        samples.push_back(w);
        curve.push_back(w.to_json());
      }
      network["wire"] = curve;
      network["convergence_streams"] = convergence_streams(samples);
      const auto settings = read_network_settings(target.host);
      network["settings"] = settings.to_json();
      std::uint64_t largest_rcvbuf = 0, largest_sndbuf = 0;
      for (const auto& p : request.points) {
        if (p.rcvbuf) largest_rcvbuf = std::max<std::uint64_t>(largest_rcvbuf, static_cast<std::uint64_t>(*p.rcvbuf));
        if (p.sndbuf) largest_sndbuf = std::max<std::uint64_t>(largest_sndbuf, static_cast<std::uint64_t>(*p.sndbuf));
      }
      const TuningAdvice advice = advise(settings, samples, largest_rcvbuf, largest_sndbuf);
      network["advice"] = advice.to_json();
      tuning_text = advice.text();
    } catch (const std::exception& e) {
      std::cerr << "\nkvslo: the wire could not be measured: " << e.what() << "\n";
      network["error"] = e.what();
    }
    results.set("network", network);
    results.write();
  }

  PointRunner runner(endpoint, stop_requested,
                     PeerContext{endpoint, wire_target, request.wire ? request.wire->seconds : 3.0, nullptr});
  std::vector<PointMeasurement> measured;
  const std::size_t total = request.points.size();
  const auto started = std::chrono::steady_clock::now();
  Progress progress(total);
  nlohmann::json actual_settings = read_redis_settings(endpoint);
  for (std::size_t i = 0; i < total && !stop_requested; ++i) {
    const PointSpec& spec = request.points[i];
    // Redis settings are an axis: the embedded server restarts with each
    // combination (io-threads cannot change at run time); an external server
    // is only read, never changed.
    if (embedded && spec.redis_settings != server_settings) {
      try {
        start_embedded(spec.redis_settings);
      } catch (const std::exception& e) {
        std::cerr << "kvslo: " << e.what() << "\n";
        return kExitInfrastructure;
      }
      runner.use_server(endpoint);
      actual_settings = read_redis_settings(endpoint);
    }
    progress.starting(i, spec);
    PointMeasurement m = runner.run(spec);
    progress.finished(m.failure.empty() ? format_gbps(m.median_gbps()) : "failed");
    nlohmann::json point = m.to_json(request.slo);
    point["index"] = i;
    point["redis_settings_actual"] = actual_settings;
    // % of wire: an iperf3 point of this run in the same direction, chunk
    // size and streams if there is one, else the --wire measurement.
    if (const double reference = iperf3_reference(measured, spec); reference > 0 && spec.client != "iperf3") {
      point["wire_gbps"] = reference;
      point["wire_source"] = "iperf3 point of this run (same direction, chunk size and streams)";
      point["pct_of_wire"] = m.median_gbps() / reference * 100;
    } else if (auto w = wire.find({spec.streams, std::min(spec.chunk_size, kIperfMaxLength)}); w != wire.end() && w->second.gbps > 0) {
      point["wire_gbps"] = w->second.gbps;
      point["wire_source"] = "--wire (iperf3 client to server)";
      point["pct_of_wire"] = m.median_gbps() / w->second.gbps * 100;
    }
    if (!embedded) {
      for (const auto& [key, value] : spec.redis_settings) {
        if (actual_settings.value(key, std::string()) != value) {
          point["warnings"].push_back("requested " + key + "=" + value + " but the external server has " +
                                      actual_settings.value(key, std::string("?")) + "; kvslo never changes an external server");
        }
      }
    }
    results.add_point(std::move(point));
    const bool point_failed = !m.failure.empty() || m.failed_keys() > 0 || m.verify_failures > 0;
    bool needed_later = false;
    for (std::size_t j = i + 1; j < total; ++j) needed_later = needed_later || dataset_of(request.points[j]) == dataset_of(spec);
    if (!needed_later) {
      try {
        runner.drop_dataset(spec);
      } catch (const std::exception&) {
        // a dead server cannot hold the dataset either; the next point reports it
      }
    }
    measured.push_back(std::move(m));
    results.write();
    if (point_failed && request.fail_fast) {
      std::cerr << "kvslo: stopping after a failed point (--fail-fast)\n";
      break;
    }
  }
  progress.done();
  const bool interrupted = stop_requested.load();

  // Run summary: which points meet the SLO, the best per client.
  std::map<std::string, const PointMeasurement*> best;  // by "client op"
  std::size_t meeting = 0, judged = 0, failed = 0;
  nlohmann::json meeting_points = nlohmann::json::array();
  for (std::size_t i = 0; i < measured.size(); ++i) {
    const auto& m = measured[i];
    Verdict v = judge(request.slo, m.figures());
    if (!m.failure.empty() || m.failed_keys() > 0 || m.verify_failures > 0) ++failed;
    // The SLO judges Redis retrieval: iperf3 and the null client move no Redis data.
    if (!v.applicable || !judged_by_slo(m.spec.client)) continue;
    ++judged;
    if (v.pass) {
      ++meeting;
      meeting_points.push_back({{"index", i}, {"label", m.spec.label()}, {"median_gbps", m.median_gbps()}});
    }
    auto& b = best[m.spec.client + " " + m.spec.op];
    if (!b || m.median_gbps() > b->median_gbps()) b = &m;
  }
  nlohmann::json best_json = nlohmann::json::object();
  for (const auto& [client, m] : best) {
    best_json[client] = {{"point", m->spec.to_json()}, {"median_gbps", m->median_gbps()},
                         {"meets_slo", judge(request.slo, m->figures()).pass}};
  }
  const SideBySide side_by_side = compare_side_by_side(measured);
  if (!side_by_side.empty()) results.set("side_by_side", side_by_side.to_json());
  results.set("summary", {{"points", measured.size()},
                          {"points_planned", total},
                          {"points_failed", failed},
                          {"points_judged", judged},
                          {"points_meeting_slo", meeting},
                          {"slo_met", meeting > 0},
                          {"meeting_slo", meeting_points},
                          {"best_per_client", best_json},
                          {"interrupted", interrupted},
                          {"elapsed_seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}});
  results.write();

  std::cout << "\n";
  print_summary(measured, request.slo, std::cout);
  side_by_side.print(std::cout);
  if (!wire.empty()) {
    std::cout << "\nThe wire (iperf3 on the same path, same streams, writes of min(chunk, 1MiB)):\n";
    for (const auto& [shape, w] : wire) {
      std::cout << "  " << shape.first << " streams, " << format_size(shape.second) << ": " << format_gbps(w.gbps)
                << ", RTT " << format_fixed(w.rtt_ms, 3) << " ms, " << w.retransmits << " retransmits\n";
    }
    for (const auto& m : measured) {
      // A point measured against an iperf3 point has its % of wire in the
      // side-by-side table, in its op's direction.
      if (iperf3_reference(measured, m.spec) > 0) continue;
      auto w = wire.find({m.spec.streams, std::min(m.spec.chunk_size, kIperfMaxLength)});
      if (w == wire.end() || w->second.gbps <= 0 || m.trials.empty()) continue;
      std::cout << "  " << m.spec.label() << ": " << format_fixed(m.median_gbps() / w->second.gbps * 100, 0) << "% of wire\n";
    }
    if (!tuning_text.empty()) std::cout << "\nNetwork tuning (kvslo changes nothing itself):\n" << tuning_text;
  }
  std::cout << "\nThroughput is payload bytes / wall time of the timed batches, in GB/s (10^9 bytes/s).\n";
  std::cout << "Redis " << document["environment"]["redis"].value("redis_version", std::string("?")) << " at "
            << endpoint.display() << (embedded ? " (embedded)" : "") << "\n";
  std::string slo_text = "retrieval >= " + format_fixed(request.slo.retrieval_gbps) + " GB/s";
  if (request.slo.store_gbps) slo_text += ", store >= " + format_fixed(*request.slo.store_gbps) + " GB/s";
  if (request.slo.batch_p99_ms) slo_text += ", batch p99 <= " + format_fixed(*request.slo.batch_p99_ms) + " ms";
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
    if (request.slo.batch_p99_ms) {
      std::cout << "  attainment (batches within " << format_fixed(*request.slo.batch_p99_ms) << " ms) and goodput:\n";
      for (const auto& m : measured) {
        if (m.batch_latency_ns.empty() || m.spec.op == "exists") continue;
        const double within = m.attainment(*request.slo.batch_p99_ms);
        std::cout << "    " << m.spec.label() << ": " << format_fixed(within * 100, 1) << "% -> goodput "
                  << format_gbps(m.median_gbps() * within) << "\n";
      }
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

#include "run_command.hpp"

#include <chrono>
#include <functional>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include <unistd.h>

#include "client_catalog.hpp"
#include "command_channel.hpp"
#include "embedded_redis.hpp"
#include "environment.hpp"
#include "point_runner.hpp"
#include "random_secret.hpp"
#include "results_file.hpp"
#include "run_preflight.hpp"
#include "run_summary.hpp"
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
    std::string verdict = !v.applicable || !client_entry(s.client).judged_by_slo ? "n/a" : v.pass ? "PASS" : "FAIL";
    if (m.status() == "failed") verdict = m.failure.empty() ? "FAILED" : "ERROR";  // whatever the figures say
    const std::string client = s.client + (client_entry(s.client).kind != ClientKind::kKvslo ? "*" : "");
    const std::string batch_ms = m.batch_latency_ns.empty() ? "-" : format_fixed(b.p50 / 1e6, 1) + "/" + format_fixed(b.p99 / 1e6, 1);
    const std::string chunk_ms = m.chunk_latency_ns.empty() ? "-" : format_fixed(c.p99 / 1e6, 2);
    std::snprintf(line, sizeof line, format, client.c_str(), to_string(s.op).c_str(), format_size(s.chunk_size).c_str(),
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


// The Redis a run measures: one kvslo starts (loopback, a free port, a
// private 0700 directory, a random password that is never shown), restarted
// when a point's Redis settings differ, or the user's, which is only read.
class RunServer {
 public:
  RunServer(const RunRequest& request) : maxmemory_(request.redis_url ? 0 : embedded_maxmemory(request.points)) {
    if (request.redis_url) {
      endpoint_ = net::Endpoint::parse_with_environment(*request.redis_url);
    } else {
      start(request.points.empty() ? std::map<std::string, std::string>{} : request.points.front().redis_settings);
    }
  }
  bool embedded() const { return embedded_ != nullptr; }
  const net::Endpoint& endpoint() const { return endpoint_; }
  // Restarts the embedded server when `settings` differ (io-threads cannot
  // change at run time); returns whether it did.
  bool use_settings(const std::map<std::string, std::string>& settings) {
    if (!embedded_ || settings == settings_) return false;
    start(settings);
    return true;
  }

 private:
  void start(const std::map<std::string, std::string>& settings) {
    embedded_.reset();
    EmbeddedRedisOptions options;
    options.maxmemory_bytes = maxmemory_;
    options.requirepass = random_hex(24);  // any local user could otherwise FLUSHALL it during a root run
    std::string shown;
    for (const auto& [key, value] : settings) {
      options.config.emplace_back(key, value);
      shown += ", " + key + " " + value;
    }
    std::cerr << "kvslo: starting an embedded redis-server (maxmemory " << format_size_approx(maxmemory_) << shown
              << ", a random password)\n";
    embedded_ = std::make_unique<EmbeddedRedis>(options);
    endpoint_ = embedded_->endpoint();
    settings_ = settings;
  }

  std::uint64_t maxmemory_;
  std::unique_ptr<EmbeddedRedis> embedded_;
  net::Endpoint endpoint_;
  std::map<std::string, std::string> settings_;
};

nlohmann::json results_header(const RunRequest& request, const nlohmann::json& redis) {
  nlohmann::json document;
  document["tool"] = "kvslo";
  document["created_at"] = utc_timestamp("%Y-%m-%dT%H:%M:%SZ");
  document["command_line"] = request.command_line;
  document["units"] = {{"throughput", "GB/s = 10^9 bytes per second of payload"},
                       {"latency", "ms"},
                       {"sizes", "bytes (KiB/MiB/GiB = 2^10/2^20/2^30, KB/MB/GB = 10^3/10^6/10^9)"}};
  document["environment"] = {{"host", describe_host()},
                             {"build", describe_build()},
                             {"redis", redis},
                             {"knobs", measurement_knobs()}};
  document["slo"] = request.slo.to_json();
  if (!request.scenario.is_null()) document["scenario"] = request.scenario;
  return document;
}

// The wire on the same path, at the points' stream counts and (capped)
// chunk sizes, before any point: a failure is recorded, and the points still run.
using WireCurve = std::map<std::pair<int, std::uint64_t>, WireSample>;
WireCurve measure_wire_for(const RunRequest& request, const std::function<WireTarget()>& wire_target,
                           const std::atomic<bool>& stop_requested, nlohmann::json& network, std::string& tuning_text) {
  WireCurve wire;
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
      WireSample w = measure_wire(target, streams, length, request.wire->seconds, false, &stop_requested);
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
  return wire;
}

// One point's entry in the results: its measurement plus what the run knows
// around it (% of wire, the server's actual settings, knobs).
nlohmann::json point_entry(const RunRequest& request, std::size_t index, const PointMeasurement& m,
                           const std::vector<PointMeasurement>& measured, const WireCurve& wire,
                           const nlohmann::json& actual_settings, bool embedded) {
  const PointSpec& spec = m.spec;
  nlohmann::json point = m.to_json(request.slo);
  point["index"] = index;
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
  const nlohmann::json knobs = knobs_affecting(spec.client);
  for (const auto& [name, value] : knobs.items()) {
    point["warnings"].push_back(name + "=" + value.get<std::string>() + " was set: " + knob_effect(name));
  }
  point["knobs"] = knobs;
  return point;
}

// Whether a later point reads the dataset `i` reads (if none does, it is dropped now).
bool dataset_needed_after(const std::vector<PointSpec>& points, std::size_t i) {
  const std::string id = dataset_identity(points[i]);
  for (std::size_t j = i + 1; j < points.size(); ++j) {
    if (reads_kvslo_dataset(points[j]) && dataset_identity(points[j]) == id) return true;
  }
  return false;
}

void print_wire(const WireCurve& wire, const std::vector<PointMeasurement>& measured, const std::string& tuning_text,
                std::ostream& out) {
  if (wire.empty()) return;
  out << "\nThe wire (iperf3 on the same path, same streams, writes of min(chunk, 1MiB)):\n";
  for (const auto& [shape, w] : wire) {
    out << "  " << shape.first << " streams, " << format_size(shape.second) << ": " << format_gbps(w.gbps) << ", RTT "
        << format_fixed(w.rtt_ms, 3) << " ms, " << w.retransmits << " retransmits\n";
  }
  for (const auto& m : measured) {
    // A point measured against an iperf3 point has its % of wire in the
    // side-by-side table, in its op's direction.
    if (iperf3_reference(measured, m.spec) > 0) continue;
    auto w = wire.find({m.spec.streams, std::min(m.spec.chunk_size, kIperfMaxLength)});
    if (w == wire.end() || w->second.gbps <= 0 || m.trials.empty()) continue;
    out << "  " << m.spec.label() << ": " << format_fixed(m.median_gbps() / w->second.gbps * 100, 0) << "% of wire\n";
  }
  if (!tuning_text.empty()) out << "\nNetwork tuning (kvslo changes nothing itself):\n" << tuning_text;
}

// Deletes, on every way out of a run (Ctrl-C, --fail-fast, errors), every
// dataset kvslo wrote on a user's server; an embedded server is discarded whole.
class DatasetCleanup {
 public:
  DatasetCleanup(PointRunner& runner, bool embedded, const std::atomic<bool>& stop)
      : runner_(runner), embedded_(embedded), stop_(stop) {}
  ~DatasetCleanup() {
    if (embedded_) return;
    if (stop_) std::cerr << "kvslo: deleting the keys kvslo wrote (a second Ctrl-C leaves them)\n";
    for (const auto& failure : runner_.drop_all_datasets()) std::cerr << "kvslo: " << failure << "\n";
  }
  DatasetCleanup(const DatasetCleanup&) = delete;
  DatasetCleanup& operator=(const DatasetCleanup&) = delete;

 private:
  PointRunner& runner_;
  bool embedded_;
  const std::atomic<bool>& stop_;
};

struct Measured {
  std::vector<PointMeasurement> points;
  bool write_failed = false;
};

// The point loop: each point measured, recorded and written before the next.
Measured measure_points(const RunRequest& request, const std::atomic<bool>& stop_requested, RunServer& server,
                        PointRunner& runner, ResultsFile& results, const std::function<bool()>& save, const WireCurve& wire) {
  Measured out;
  const std::size_t total = request.points.size();
  Progress progress(total);
  nlohmann::json actual_settings = read_redis_settings(server.endpoint());
  for (std::size_t i = 0; i < total && !stop_requested; ++i) {
    const PointSpec& spec = request.points[i];
    // Redis settings are an axis: the embedded server restarts with each
    // combination; an external server is only read, never changed.
    if (server.use_settings(spec.redis_settings)) {
      runner.use_server(server.endpoint());
      actual_settings = read_redis_settings(server.endpoint());
    }
    progress.starting(i, spec);
    PointMeasurement m = runner.run(spec);
    progress.finished(m.status() == "ok" ? format_gbps(m.median_gbps()) : m.status());
    results.add_point(point_entry(request, i, m, out.points, wire, actual_settings, server.embedded()));
    if (reads_kvslo_dataset(spec) && !dataset_needed_after(request.points, i)) {
      try {
        runner.drop_dataset(spec);
      } catch (const std::exception&) {
        // a dead server cannot hold the dataset either; the next point reports it
      }
    }
    const bool failed = m.status() == "failed";
    out.points.push_back(std::move(m));
    if (!save()) {
      out.write_failed = true;
      break;
    }
    if (failed && request.fail_fast) {
      std::cerr << "kvslo: stopping after a failed point (--fail-fast)\n";
      break;
    }
  }
  progress.done();
  return out;
}

int run_and_report(const RunRequest& request, const std::atomic<bool>& stop_requested, RunServer& server,
                   ResultsFile& results, const std::function<bool()>& save, const std::string& write_error) {
  // Where iperf3 measures the wire (for --wire and the iperf3 peer): the
  // given target, else an iperf3 server of our own beside the embedded Redis
  // (started on first use, kept for the run), else the Redis host.
  std::unique_ptr<EmbeddedIperf> local_iperf;
  auto wire_target = [&]() -> WireTarget {
    if (request.wire && !request.wire->target.empty()) return WireTarget::parse(request.wire->target);
    if (server.embedded()) {
      if (!local_iperf) local_iperf = std::make_unique<EmbeddedIperf>();
      return local_iperf->target();
    }
    const net::Endpoint& endpoint = server.endpoint();
    if (endpoint.kind == net::Endpoint::Kind::kTcp) return WireTarget{endpoint.host, 5201};
    throw WireError("a unix-socket Redis has no wire to measure");
  };
  WireCurve wire;
  std::string tuning_text;
  if (request.wire) {
    nlohmann::json network;
    wire = measure_wire_for(request, wire_target, stop_requested, network, tuning_text);
    results.set("network", network);
  }
  const auto started = std::chrono::steady_clock::now();
  PointRunner runner(server.endpoint(), stop_requested,
                     PeerContext{server.endpoint(), wire_target, request.wire ? request.wire->seconds : 3.0, nullptr});
  Measured measured;
  {
    DatasetCleanup cleanup(runner, server.embedded(), stop_requested);
    if (save()) measured = measure_points(request, stop_requested, server, runner, results, save, wire);
    else measured.write_failed = true;
  }
  const bool interrupted = stop_requested.load();
  const RunSummary totals = summarize_run(measured.points, request.slo);
  const SideBySide side_by_side = compare_side_by_side(measured.points);
  if (!side_by_side.empty()) results.set("side_by_side", side_by_side.to_json());
  results.set("summary", summary_json(totals, measured.points, request.points.size(), request.slo, interrupted,
                                      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()));
  const bool written = !measured.write_failed && save();

  std::cout << "\n";
  print_summary(measured.points, request.slo, std::cout);
  side_by_side.print(std::cout);
  print_wire(wire, measured.points, tuning_text, std::cout);
  std::cout << "\nThroughput is payload bytes / wall time of the timed batches, in GB/s (10^9 bytes/s).\n";
  std::cout << "Redis " << results.document()["environment"]["redis"].value("redis_version", std::string("?")) << " at "
            << server.endpoint().display() << (server.embedded() ? " (embedded)" : "") << "\n";
  print_verdict(totals, measured.points, request.slo, std::cout);
  if (!written) {
    std::cout.flush();
    std::cerr << "kvslo: the results could not be written: " << write_error << "\nkvslo: " << measured.points.size()
              << " points were measured (above); " << results.path().string()
              << " holds what was written before the failure, if anything\n";
    return kExitInfrastructure;
  }
  std::cout << "Results: " << results.path().string() << "\n";
  if (interrupted) {
    std::cerr << "kvslo: interrupted; " << measured.points.size() << " finished points are in "
              << results.path().string() << "\n";
    return kExitInterrupted;
  }
  if (totals.failed > 0) return kExitPointFailed;
  if (request.require_slo && totals.meeting == 0) return kExitSloNotMet;
  return kExitOk;
}

}  // namespace

std::filesystem::path default_results_path() {
  return std::filesystem::path("results") / ("run-" + utc_timestamp("%Y%m%d-%H%M%S") + ".json");
}

int run_points(const RunRequest& request, const std::atomic<bool>& stop_requested) {
  // Refuse what cannot run, or would replace someone's file, before starting anything.
  const Preflight preflight_check = preflight(request.points, !request.redis_url);
  if (preflight_check.refusal) {
    std::cerr << "kvslo: " << *preflight_check.refusal << "\n";
    return kExitBadInput;
  }
  try {
    check_results_path_is_ours(request.out);
  } catch (const std::invalid_argument& e) {
    std::cerr << "kvslo: " << e.what() << "\n";
    return kExitBadInput;
  }
  std::unique_ptr<RunServer> server;
  try {
    server = std::make_unique<RunServer>(request);
  } catch (const std::invalid_argument& e) {
    std::cerr << "kvslo: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "kvslo: " << e.what() << "\n";
    return kExitInfrastructure;
  }
  const nlohmann::json redis = describe_redis(server->endpoint(), server->embedded());
  if (redis.value("redis_mode", std::string()) == "cluster") {
    std::cerr << "kvslo: " << server->endpoint().display()
              << " is a Redis Cluster node (cluster_enabled:1); kvslo measures a standalone server only for now: "
                 "point --redis at a server without cluster mode\n";
    return kExitBadInput;
  }
  const nlohmann::json knobs = measurement_knobs();
  for (const auto& [name, value] : knobs.items()) {
    std::cerr << "kvslo: " << name << "=" << value.get<std::string>() << " is set: " << knob_effect(name) << "\n";
  }
  ResultsFile results(request.out, results_header(request, redis));
  std::string write_error;
  auto save = [&] {
    try {
      results.write();
      return true;
    } catch (const std::exception& e) {
      write_error = e.what();
      return false;
    }
  };
  if (!save()) {
    std::cerr << "kvslo: " << write_error << "\n";
    return kExitInfrastructure;
  }
  return run_and_report(request, stop_requested, *server, results, save, write_error);
}

}  // namespace kvslo

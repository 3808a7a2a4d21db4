#include "run/run_command.hpp"

#include <chrono>
#include <iostream>
#include <memory>

#include "cluster/routed_commands.hpp"
#include "experiment/tail_samples.hpp"
#include "fleet/fleet_lead.hpp"
#include "run/console_reporter.hpp"
#include "run/json_reporter.hpp"
#include "run/point_loop.hpp"
#include "run/run_noise.hpp"
#include "system/results_file.hpp"
#include "run/run_preflight.hpp"
#include "run/run_results.hpp"
#include "run/run_server.hpp"
#include "run/run_summary.hpp"
#include "run/run_wire.hpp"
#include "run/side_by_side.hpp"
#include "system/environment.hpp"

namespace kvslo {
namespace {

// What cannot run, or would replace someone's file, is refused before anything starts.
bool refused(const RunRequest& request) {
  const Preflight preflight_check = preflight(request.points, !request.redis_url);
  if (preflight_check.refusal) {
    std::cerr << "kvslo: " << *preflight_check.refusal << "\n";
    return true;
  }
  try {
    check_results_path_is_ours(request.out);
  } catch (const std::invalid_argument& e) {
    std::cerr << "kvslo: " << e.what() << "\n";
    return true;
  }
  return false;
}

// The run's Redis, or the exit code of why there is none.
std::unique_ptr<RunServer> open_server(const RunRequest& request, int& exit_code) {
  try {
    return std::make_unique<RunServer>(request.redis_url, request.tls, request.points);
  } catch (const std::invalid_argument& e) {
    std::cerr << "kvslo: " << e.what() << "\n";
    exit_code = kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "kvslo: " << e.what() << "\n";
    exit_code = kExitInfrastructure;
  }
  return nullptr;
}

// A node of the user's cluster: its keys are routed to their shards from
// now on. False (and why, in one line) when the cluster cannot serve every
// slot: every point would fail key by key.
bool route_cluster(RunServer& server, const nlohmann::json& redis) {
  if (!server.endpoint().cluster && redis.value("redis_mode", std::string()) != "cluster") return true;
  if (server.endpoint().tls) {
    std::cerr << "kvslo: " << server.endpoint().display()
              << " is a Redis Cluster node: kvslo does not route over TLS to a cluster yet (measure one node over TLS "
                 "with a server out of cluster mode, or the cluster in plain TCP)\n";
    return false;
  }
  if (!server.endpoint().cluster) {
    server.route_as_cluster();
    std::cerr << "kvslo: " << server.endpoint().display()
              << " is a Redis Cluster node (redis_mode cluster): each key goes to the primary that owns its slot\n";
  }
  try {
    cluster::RoutedCommands(server.endpoint(), std::chrono::milliseconds(5000));  // reads and checks the topology
    return true;
  } catch (const std::exception& e) {
    std::cerr << "kvslo: the Redis Cluster at " << server.endpoint().display() << " cannot be measured: " << e.what() << "\n";
    return false;
  }
}

void warn_knobs() {
  const nlohmann::json knobs = measurement_knobs();
  for (const auto& [name, value] : knobs.items()) {
    std::cerr << "kvslo: " << name << "=" << value.get<std::string>() << " is set: " << knob_effect(name) << "\n";
  }
}

int exit_code_of(const RunRequest& request, const RunSummary& summary, bool interrupted) {
  if (interrupted) return kExitInterrupted;
  if (summary.failed > 0) return kExitPointFailed;
  if (request.require_slo && summary.meeting == 0) return kExitSloNotMet;
  return kExitOk;
}

// The wire (--wire), the points, then the reporters: the JSON one before the
// last write, the console one after it.
int run_and_report(const RunRequest& request, const std::atomic<bool>& stop_requested, RunServer& server,
                   ResultsWriter& results, fleet::FleetLead* fleet) {
  RunWire wire(request.wire, server);
  if (wire.requested()) results.file().set("network", wire.measure(request.points, stop_requested));
  RunNoise noise(server.endpoint(), server.embedded() || on_this_host(server.endpoint()));
  const auto started = std::chrono::steady_clock::now();
  const MeasuredPoints measured = measure_points(request, stop_requested, server, wire, results, fleet);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  results.file().set("host_noise", noise.finish(measured.points));
  const RunSummary summary = summarize_run(measured.points);
  const SideBySide side_by_side = compare_side_by_side(measured.points);
  const std::vector<PairedComparison> comparisons = compare_with_baseline(measured.points);
  const RunReport report{
      .points = measured.points,
      .summary = summary,
      .side_by_side = side_by_side,
      .comparisons = comparisons,
      .wire = wire,
      .slo = request.slo,
      .planned = request.points.size(),
      .interrupted = stop_requested.load(),
      .elapsed_seconds = elapsed,
      .server_name = server_name(results.file().document()["environment"]["redis"]),
      .server = server.endpoint().display(),
      .embedded = server.embedded(),
  };
  JsonReporter(results.file()).report(report);
  const bool written = !measured.write_failed && results.save();
  ConsoleReporter(std::cout).report(report);
  if (!written) {
    std::cout.flush();
    std::cerr << "kvslo: the results could not be written: " << results.error() << "\nkvslo: " << measured.points.size()
              << " points were measured (above); " << results.file().path().string()
              << " holds what was written before the failure, if anything\n";
    return kExitInfrastructure;
  }
  std::cout << "Results: " << results.file().path().string() << "\n";
  if (const std::string line = noise.notable(); !line.empty()) std::cerr << line << "\n";
  if (report.interrupted) {
    std::cerr << "kvslo: interrupted; " << measured.points.size() << " finished points are in "
              << results.file().path().string() << "\n";
  }
  return exit_code_of(request, summary, report.interrupted);
}

// Rank 0 of an mpirun meets the other ranks first: whatever ends the run
// then (a refusal, a server that would not start) sends them home too.
std::unique_ptr<fleet::FleetLead> meet_the_ranks(const RunRequest& request, const std::atomic<bool>& stop_requested) {
  if (!request.mpi) return nullptr;
  try {
    auto lead = std::make_unique<fleet::FleetLead>(*request.mpi, request.points, stop_requested);
    for (const auto& line : lead->warnings()) std::cerr << "kvslo: " << line << "\n";
    return lead;
  } catch (const std::exception& e) {
    std::cerr << "kvslo: the ranks cannot measure together: " << e.what() << "\n";
    request.mpi->abort(kExitInfrastructure);
  }
}

}  // namespace

std::filesystem::path default_results_path() {
  return std::filesystem::path("results") / ("run-" + utc_timestamp("%Y%m%d-%H%M%S") + ".json");
}

int run_points(const RunRequest& request, const std::atomic<bool>& stop_requested) {
  const std::unique_ptr<fleet::FleetLead> fleet = meet_the_ranks(request, stop_requested);
  if (refused(request)) return kExitBadInput;
  if (fleet && !request.redis_url && fleet->spans_hosts()) {
    std::cerr << "kvslo: the ranks run on more than one host, and an embedded server listens on rank 0's loopback "
                 "only: give every rank's server with --redis redis://HOST:PORT\n";
    return kExitBadInput;
  }
  int exit_code = kExitOk;
  const std::unique_ptr<RunServer> server = open_server(request, exit_code);
  if (!server) return exit_code;
  if (fleet) {
    if (const std::string refusal = fleet->password_refusal(server->endpoint()); !refusal.empty()) {
      std::cerr << "kvslo: " << refusal << "\n";
      return kExitBadInput;
    }
  }
  const nlohmann::json redis = describe_redis(server->endpoint(), server->embedded());
  if (!route_cluster(*server, redis)) return kExitInfrastructure;
  warn_knobs();
  for (const auto& skipped : request.skipped) {
    std::cerr << "kvslo: skipped " << skipped.where << ": it cannot run (" << skipped.reason << ")\n";
  }
  for (const auto& w : tail_sample_warnings(request.points, request.slo)) std::cerr << "kvslo: " << w << "\n";
  nlohmann::json header = results_header(request, redis);
  if (fleet) header["fleet"] = fleet->describe();
  ResultsFile file(request.out, header);
  ResultsWriter results(file);
  if (!results.save()) {
    std::cerr << "kvslo: " << results.error() << "\n";
    return kExitInfrastructure;
  }
  return run_and_report(request, stop_requested, *server, results, fleet.get());
}

}  // namespace kvslo

// kvslo: can Redis serve KV-cache retrieval at the SLO on this hardware?
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "environment.hpp"
#include "gate_command.hpp"
#include "net_command.hpp"
#include "models.hpp"
#include "report_command.hpp"
#include "scenario.hpp"
#include "peers.hpp"
#include "registry.hpp"
#include "run_command.hpp"
#include "units.hpp"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop = true; }

// First Ctrl-C: finish the current batch, keep every finished point, delete
// the keys kvslo wrote, stop the embedded Redis. A second Ctrl-C kills at
// once (SA_RESETHAND). SA_RESTART: a system call the signal lands in (a
// waitpid on a helper) resumes instead of failing with EINTR.
void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// A socket buffer size flag: a size with units, at most 1GiB (what the
// kernel could ever grant), as the int setsockopt takes.
int socket_buffer_flag(const char* flag, const std::string& text) {
  const std::uint64_t bytes = kvslo::parse_size(text);
  if (bytes == 0 || bytes > kvslo::limits::kMaxSocketBuffer) {
    throw std::invalid_argument(std::string(flag) + " " + text + ": expected a size from 1B to 1GiB");
  }
  return static_cast<int>(bytes);
}

template <typename T>
std::vector<T> or_default(const std::vector<T>& given, T fallback) {
  return given.empty() ? std::vector<T>{fallback} : given;
}

// The command line as recorded in results: a password in --redis is masked.
std::string redacted_command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    const bool value_of_redis = i > 0 && std::string(argv[i - 1]) == "--redis";
    const bool inline_redis = arg.rfind("--redis=", 0) == 0;
    if (value_of_redis || inline_redis) {
      std::string url = inline_redis ? arg.substr(8) : arg;
      try {
        url = kvslo::net::Endpoint::parse(url).display();
      } catch (const std::exception&) {
        url = "(unparsable endpoint)";
      }
      arg = inline_redis ? "--redis=" + url : url;
    }
    out += (i ? " " : "") + arg;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kvslo;
  // A server that closes a connection while a client writes (hiredis uses
  // plain write) must fail that point, not kill kvslo with no summary.
  ::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"kvslo: KV-cache retrieval benchmarks and SLO validation for Redis"};
  app.require_subcommand(1);

  std::vector<std::string> clients{"hiredis", "zerocopy"};
  std::vector<std::string> chunk_sizes{"4MiB"};
  std::vector<int> streams{1};
  std::vector<int> threads;
  std::vector<int> depths{8};
  PointSpec base;
  std::string working_set = "1GiB";
  std::string sndbuf, rcvbuf;
  std::string redis_url, out;
  bool generic = false, no_verify = false;
  int op_timeout_ms = 10000;
  RunRequest request;
  std::optional<double> slo_p99, slo_store;

  auto* run = app.add_subcommand("run", "run a scenario (file or shipped name, see 'kvslo list'), or the points given by flags "
                                        "(the product of every list), and judge them against the SLO");
  std::string scenario_name;
  std::vector<std::string> assignments;
  run->add_option("scenario", scenario_name, "scenario file or shipped scenario name");
  run->add_option("--set", assignments, "scenario override: axis=v1,v2 | workload.field=value | slo.field=value (repeatable)");
  run->add_option("--client", clients, "clients, comma-separated: " + [] {
        std::string s;
        for (const auto& n : point_client_names()) s += (s.empty() ? "" : ", ") + n;
        return s;
      }())->delimiter(',')->capture_default_str();
  run->add_option("--op", base.op, "get, set or exists")->check(CLI::IsMember({"get", "set", "exists"}))->capture_default_str();
  run->add_option("--chunk-size", chunk_sizes, "chunk sizes with units, comma-separated (4MiB, 512KiB, 40MB)")
      ->delimiter(',')->capture_default_str();
  run->add_option("--chunks-per-batch", base.chunks_per_batch, "chunks per batch (a batch is done when its last chunk is)")
      ->check(CLI::PositiveNumber)->capture_default_str();
  run->add_option("--working-set", working_set, "bytes of distinct chunks stored in Redis and read in turn")->capture_default_str();
  run->add_option("--streams", streams, "connections, comma-separated list")->delimiter(',')->check(CLI::PositiveNumber)->capture_default_str();
  run->add_option("--threads", threads, "client threads sharing the streams (hiredis, tiled), comma-separated; default 1")->delimiter(',')->check(CLI::PositiveNumber);
  run->add_option("--pipeline-depth", depths, "requests in flight per connection, comma-separated")
      ->delimiter(',')->check(CLI::PositiveNumber)->capture_default_str();
  run->add_option("--trials", base.trials, "timed trials per point")->check(CLI::PositiveNumber)->capture_default_str();
  run->add_option("--warmup", base.warmup_batches, "untimed warm-up batches per point")->check(CLI::NonNegativeNumber)->capture_default_str();
  run->add_option("--batches", base.batches_per_trial, "batches per trial (0: one pass over the working set)")->capture_default_str();
  run->add_flag("--generic", generic, "accept any value size up to the buffer (rung 1) instead of checking the fixed size (rung 2)");
  run->add_flag("--no-verify", no_verify, "do not check retrieved chunks against what was stored");
  run->add_option("--sndbuf", sndbuf, "SO_SNDBUF to request per connection, with units");
  run->add_option("--rcvbuf", rcvbuf, "SO_RCVBUF to request per connection, with units");
  run->add_option("--inflight", base.inflight, "tiled: batches served at once")->check(CLI::PositiveNumber)->capture_default_str();
  std::string tile_bytes;
  run->add_option("--tile-bytes", tile_bytes, "tiled: cut batches into tiles of about this size (default: one tile per thread)");
  run->add_option("--key-prefix", base.key_prefix, "prefix of the keys kvslo writes")->capture_default_str();
  run->add_option("--op-timeout-ms", op_timeout_ms, "longest wait without progress on a connection")->check(CLI::PositiveNumber)->capture_default_str();
  run->add_option("--redis", redis_url, "redis://[user[:password]@]host:port or unix:///path (default: start an embedded redis-server); "
                                        "the password may come from KVSLO_REDIS_PASSWORD");
  run->add_option("--out", out, "results JSON path (default: results/run-<UTC time>.json)");
  run->add_option("--slo-gbps", request.slo.retrieval_gbps, "retrieval SLO in GB/s (10^9 bytes/s)")->check(CLI::PositiveNumber)->capture_default_str();
  run->add_option("--slo-p99-ms", slo_p99, "per-batch p99 latency bound in ms (GET)")->check(CLI::PositiveNumber);
  run->add_option("--slo-store-gbps", slo_store, "store SLO in GB/s (SET)")->check(CLI::PositiveNumber);
  run->add_flag("--require-slo", request.require_slo, "exit 4 unless at least one point meets the SLO");
  run->add_flag("--fail-fast", request.fail_fast, "stop the sweep at the first failed point (default: record it and go on)");

  std::string validate_name;
  std::vector<std::string> validate_assignments;
  auto* validate = app.add_subcommand("validate", "check a scenario and list its points without running anything");
  validate->add_option("scenario", validate_name, "scenario file or shipped scenario name")->required();
  validate->add_option("--set", validate_assignments, "scenario override (as for run)");
  app.add_subcommand("list", "list the shipped scenarios")->callback([] {
    const auto dir = kvslo::scenario_directory();
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() == ".json" && e.path().stem() != "models") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    const auto models = kvslo::ModelTable::load(dir / "models.json");
    for (const auto& f : files) {
      try {
        auto sc = kvslo::Scenario::load(f, models);
        std::printf("%-16s %4zu points  %s\n", sc.name.c_str(), sc.expand(models).size(), sc.description.c_str());
      } catch (const std::exception& e) {
        std::printf("%-16s INVALID: %s\n", f.stem().c_str(), e.what());
      }
    }
  });
  std::string report_results, report_out, report_baseline;
  auto* report = app.add_subcommand("report", "write plots, report.md and a self-contained report.html from a results file");
  report->add_option("results", report_results, "results JSON")->required();
  report->add_option("--out", report_out, "directory (default: the results path without .json)");
  report->add_option("--baseline", report_baseline, "a second results file to compare against (before/after plot)");
  bool run_report = false;
  run->add_flag("--report", run_report, "after the run, write plots and reports beside the results (as kvslo report)");
  GateOptions gate;
  std::string gate_threshold = "10%";
  std::vector<std::string> gate_metrics;
  std::string gate_junit_path, gate_summary_path;
  auto* gate_cmd = app.add_subcommand("gate", "compare a run against a baseline; exit 1 on a regression, 2 on bad input");
  gate_cmd->add_option("--baseline", gate.baseline, "baseline results JSON")->required();
  gate_cmd->add_option("--current", gate.current, "current results JSON")->required();
  gate_cmd->add_option("--threshold", gate_threshold, "smallest change that counts, e.g. 10%")->capture_default_str();
  gate_cmd->add_option("--alpha", gate.alpha, "significance level of the rank test")->capture_default_str();
  gate_cmd->add_option("--metric", gate_metrics, "throughput, batch_p99, cpu_per_gb (repeatable; default throughput)");
  gate_cmd->add_option("--normalize", gate.normalize, "none, wire or client:NAME (divide by a reference in the same run)")
      ->capture_default_str();
  gate_cmd->add_flag("--require-slo", gate.require_slo, "also fail when the current run does not meet its SLO");
  gate_cmd->add_flag("--fail-on-missing", gate.fail_on_missing, "also fail when a baseline point is missing from the current run");
  gate_cmd->add_option("--junit", gate_junit_path, "write JUnit XML here (one test case per point and metric)");
  gate_cmd->add_option("--summary", gate_summary_path, "write a Markdown summary here (for CI pages)");
  std::string net_target = "", net_length = "4MiB", net_duration = "5s", net_out;
  std::vector<int> net_streams{1, 2, 4, 8, 16, 32, 64};
  auto* net_cmd = app.add_subcommand("net", "the wire: iperf3 bandwidth, retransmits and RTT per stream count, where it "
                                            "converges, the host's network settings and the sysctls to change");
  net_cmd->add_option("--target", net_target, "HOST[:PORT] running 'iperf3 -s' (default port 5201)")->required();
  net_cmd->add_option("--streams", net_streams, "stream counts, comma-separated")->delimiter(',')->check(CLI::PositiveNumber)->capture_default_str();
  net_cmd->add_option("--length", net_length, "write size (capped at iperf3's 1MiB)")->capture_default_str();
  net_cmd->add_option("--duration", net_duration, "seconds per stream count, e.g. 5s")->capture_default_str();
  net_cmd->add_option("--out", net_out, "also write the curve and advice as JSON here");
  std::string wire_target;
  bool wire_flag = false;
  run->add_flag("--wire", wire_flag, "measure the wire (iperf3) in the same run, at the points' stream counts");
  run->add_option("--wire-target", wire_target, "HOST[:PORT] of 'iperf3 -s' (default: embedded on loopback, or the Redis host)");
  std::vector<std::string> merge_inputs;
  std::string merge_out;
  auto* merge_cmd = app.add_subcommand("merge", "pool the trials of several runs of one scenario into one baseline");
  merge_cmd->add_option("results", merge_inputs, "results files")->required();
  merge_cmd->add_option("--out", merge_out, "merged results file")->required();
  app.add_subcommand("clients", "list the clients, then the reference peers")->callback([] {
    for (const auto& n : client_names()) std::cout << n << "\n";
    for (const auto& n : peer_names()) std::cout << n << " (peer)\n";
  });
  app.add_subcommand("version", "print the version and build")->callback([] {
    std::cout << describe_build().dump(2) << "\n";
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitBadInput;
  }
  if (validate->parsed()) {
    try {
      const auto models = ModelTable::load(scenario_directory() / "models.json");
      auto scenario = Scenario::load(resolve_scenario(validate_name), models);
      for (const auto& a : validate_assignments) scenario.override_with(a, models);
      auto points = scenario.expand(models);
      std::cout << scenario.file.string() << ": valid, " << points.size() << " points\n";
      for (std::size_t i = 0; i < points.size(); ++i) std::cout << "  " << i + 1 << ". " << points[i].label() << "\n";
      return kExitOk;
    } catch (const std::invalid_argument& e) {
      std::cerr << "kvslo validate: " << e.what() << "\n";
      return kExitBadInput;
    }
  }
  if (gate_cmd->parsed()) return gate_command(gate, gate_threshold, gate_metrics, gate_junit_path, gate_summary_path);
  if (net_cmd->parsed()) return net_command(net_target, net_streams, net_length, net_duration, net_out);
  if (merge_cmd->parsed()) return merge_command(merge_inputs, merge_out);
  if (report->parsed()) {
    install_signal_handlers();  // Ctrl-C ends the script, which then removes its temporary directory
    return write_report(report_results, report_out.empty() ? std::nullopt : std::optional<std::filesystem::path>(report_out),
                        report_baseline.empty() ? std::nullopt : std::optional<std::filesystem::path>(report_baseline),
                        &g_stop);
  }
  if (!run->parsed()) return 0;

  if (!scenario_name.empty()) {
    // With a scenario, the points come from it; flags that shape points would be ambiguous.
    for (const char* flag : {"--client", "--op", "--chunk-size", "--chunks-per-batch", "--working-set", "--streams",
                             "--threads", "--pipeline-depth", "--trials", "--warmup", "--batches", "--generic",
                             "--no-verify", "--sndbuf", "--rcvbuf", "--inflight", "--tile-bytes", "--key-prefix",
                             "--op-timeout-ms"}) {
      if (run->count(flag) > 0) {
        std::cerr << "kvslo run: " << flag << " cannot be combined with a scenario; use --set (e.g. --set streams=1,2)\n";
        return kExitBadInput;
      }
    }
    try {
      const auto models = ModelTable::load(scenario_directory() / "models.json");
      auto scenario = Scenario::load(resolve_scenario(scenario_name), models);
      for (const auto& a : assignments) scenario.override_with(a, models);
      request.points = scenario.expand(models);
      // SLO flags given on the command line win over the file's.
      const double flag_gbps = request.slo.retrieval_gbps;
      request.slo = scenario.slo;
      if (run->count("--slo-gbps") > 0) request.slo.retrieval_gbps = flag_gbps;
      if (slo_p99) request.slo.batch_p99_ms = slo_p99;
      if (slo_store) request.slo.store_gbps = slo_store;
      request.scenario = scenario.to_json();
      request.wire = scenario.wire;
    } catch (const std::invalid_argument& e) {
      std::cerr << "kvslo run: " << e.what() << "\n";
      return kExitBadInput;
    }
  } else if (!assignments.empty()) {
    std::cerr << "kvslo run: --set needs a scenario\n";
    return kExitBadInput;
  }

  if (scenario_name.empty()) try {
    base.working_set = parse_size(working_set);
    base.fixed_size = !generic;
    base.verify = !no_verify;
    base.op_timeout = std::chrono::milliseconds(op_timeout_ms);
    if (!sndbuf.empty()) base.sndbuf = socket_buffer_flag("--sndbuf", sndbuf);
    if (!rcvbuf.empty()) base.rcvbuf = socket_buffer_flag("--rcvbuf", rcvbuf);
    if (!tile_bytes.empty()) base.tile_bytes = parse_size(tile_bytes);
    request.slo.batch_p99_ms = slo_p99;
    request.slo.store_gbps = slo_store;
    // Bounded before expanding, as a scenario's axes are.
    std::size_t planned = 1;
    bool overflow = false;
    for (std::size_t n : {clients.size(), chunk_sizes.size(), streams.size(), std::max<std::size_t>(1, threads.size()), depths.size()}) {
      overflow = overflow || __builtin_mul_overflow(planned, n, &planned);
    }
    if (overflow || planned > limits::kMaxPoints) {
      throw std::invalid_argument("the flags' lists multiply to " + format_count(planned) + " points; at most " +
                                  format_count(limits::kMaxPoints));
    }
    for (const auto& client : clients) {
      for (const auto& chunk : chunk_sizes) {
        for (int s : streams) {
          for (int t : or_default(threads, 1)) {
            for (int d : depths) {
              PointSpec p = base;
              p.client = client;
              p.chunk_size = parse_size(chunk);
              p.streams = s;
              p.threads = t;
              p.pipeline_depth = d;
              p.validate();
              request.points.push_back(p);
            }
          }
        }
      }
    }
  } catch (const std::invalid_argument& e) {
    std::cerr << "kvslo run: " << e.what() << "\n";
    return kExitBadInput;
  }
  if (!redis_url.empty()) request.redis_url = redis_url;
  if (wire_flag || !wire_target.empty()) {
    WireConfig wire = request.wire.value_or(WireConfig{});
    if (!wire_target.empty()) wire.target = wire_target;
    request.wire = wire;
  }
  request.out = out.empty() ? default_results_path() : std::filesystem::path(out);
  request.command_line = redacted_command_line(argc, argv);
  install_signal_handlers();
  int code = kExitInfrastructure;
  try {
    code = run_points(request, g_stop);
  } catch (const std::exception& e) {
    // Unexpected (a server that would not restart, the kernel out of random
    // bytes): the run's own cleanup has run while this unwound.
    std::cerr << "kvslo run: " << e.what() << "\n";
    return kExitInfrastructure;
  }
  if (run_report && std::filesystem::exists(request.out) && code != kExitBadInput && code != kExitInfrastructure) {
    // After an interrupted run the handler is spent (a second Ctrl-C ends
    // kvslo, and with it the script); otherwise a Ctrl-C ends the script.
    const std::atomic<bool>* stop = code == kExitInterrupted ? nullptr : &g_stop;
    if (int r = write_report(request.out, std::nullopt, std::nullopt, stop); r != 0) {
      std::cerr << "kvslo run: the results are in " << request.out.string() << " but the report failed (exit " << r << ")\n";
    }
  }
  return code;
}

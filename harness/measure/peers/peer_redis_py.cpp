// redis-py, the write-up's starting point, as a point: scripts/peers/
// redis_py_peer.py under a Python that imports redis, reading kvslo's own
// dataset and reporting per-trial figures, latencies and key failures as JSON.
#include "measure/peers/peers.hpp"
#include "measure/point_measurement.hpp"
#include "system/helper_scripts.hpp"
#include "system/subprocess.hpp"

namespace kvslo {
namespace {

std::vector<std::string> peer_command(const std::string& python, const PointSpec& spec, const net::Endpoint& e) {
  std::vector<std::string> argv{python, script_file("peers/redis_py_peer.py").string()};
  if (e.kind == net::Endpoint::Kind::kUnix) {
    argv.insert(argv.end(), {"--unix-socket", e.path});
  } else {
    argv.insert(argv.end(), {"--host", e.host, "--port", std::to_string(e.port)});
  }
  argv.insert(argv.end(), {"--op", to_string(spec.op), "--prefix", spec.key_prefix, "--chunk-size", std::to_string(spec.chunk_size),
                           "--keys", std::to_string(spec.key_count()), "--chunks-per-batch",
                           std::to_string(spec.chunks_per_batch), "--batches", std::to_string(spec.batches()),
                           "--trials", std::to_string(spec.trials), "--warmup-batches", std::to_string(spec.warmup_batches),
                           "--streams", std::to_string(spec.streams), "--depth", std::to_string(spec.pipeline_depth),
                           "--timeout", std::to_string(static_cast<double>(spec.op_timeout.count()) / 1000.0)});
  if (spec.verify) argv.push_back("--verify");
  if (spec.time_limit) argv.insert(argv.end(), {"--time-limit", std::to_string(static_cast<double>(spec.time_limit->count()) / 1000.0)});
  return argv;
}

// Generous: a stock client at 0.05 GB/s over the whole point, plus start-up.
std::chrono::milliseconds peer_timeout(const PointSpec& spec) {
  const double bytes = static_cast<double>(spec.chunk_size) * static_cast<double>(spec.chunks_per_batch) *
                       static_cast<double>(spec.batches() * static_cast<std::size_t>(spec.trials) + static_cast<std::size_t>(spec.warmup_batches));
  auto timeout = std::chrono::milliseconds(static_cast<long>(bytes / 1e9 / 0.05 * 1000) + 60000);
  if (spec.time_limit) timeout = std::min(timeout, *spec.time_limit * 2 + std::chrono::milliseconds(60000));
  return timeout;
}

// The peer's JSON report into the point, with kvslo's own accounting.
void read_peer_report(const nlohmann::json& doc, const PointSpec& spec, PointMeasurement& m) {
  for (const auto& t : doc.value("trials", nlohmann::json::array())) {
    TrialFigures trial;
    trial.bytes = t.value("bytes", std::uint64_t{0});
    trial.seconds = t.value("seconds", 0.0);
    trial.cpu_seconds = t.value("cpu_seconds", 0.0);
    trial.batches = t.value("batches", std::size_t{0});
    trial.failed_keys = t.value("failed_keys", std::size_t{0});
    trial.server_cpu_seconds = t.value("server_cpu_seconds", -1.0);
    m.trials.push_back(trial);
  }
  for (double ms : doc.value("batch_latency_ms", std::vector<double>{})) m.batch_latency_ns.push_back(ms * 1e6);
  for (double ms : doc.value("chunk_latency_ms", std::vector<double>{})) m.chunk_latency_ns.push_back(ms * 1e6);
  std::size_t failed = 0, served = 0;
  for (const auto& t : m.trials) {
    failed += t.failed_keys;
    served += t.batches * spec.chunks_per_batch;
  }
  // As kvslo's own accounting: wrong contents arrive as an ok reply and count as a verify failure.
  const std::size_t missing = doc.value("missing", std::size_t{0});
  const std::size_t wrong_size = doc.value("wrong_size", std::size_t{0});
  const std::size_t wrong_contents = doc.value("wrong_contents", std::size_t{0});
  const std::size_t other = failed - std::min(failed, missing + wrong_size + wrong_contents);
  m.status_counts[static_cast<std::size_t>(KeyStatus::kMissing)] += missing;
  m.status_counts[static_cast<std::size_t>(KeyStatus::kSizeMismatch)] += wrong_size;
  m.status_counts[static_cast<std::size_t>(KeyStatus::kServerError)] += other;
  m.status_counts[static_cast<std::size_t>(KeyStatus::kOk)] += served - std::min(served, missing + wrong_size + other);
  m.verify_failures += wrong_contents;
  for (const auto& error : doc.value("errors", std::vector<std::string>{})) m.errors.push_back(error);
  m.time_limited = doc.value("time_limited", false);
  if (doc.contains("failure")) m.failure = "redis-py: " + doc["failure"].get<std::string>();
}

}  // namespace

void run_redis_py_peer(const PointSpec& spec, const PeerContext& context, PointMeasurement& m) {
  const std::string python = find_python("redis");
  if (python.empty()) {
    m.failure = "no Python with redis-py found (tried $KVSLO_PYTHON, /usr/bin/python3, python3 on PATH): install it "
                "with 'apt-get install python3-redis' (or scripts/install-deps.sh)";
    return;
  }
  const std::vector<std::string> argv = peer_command(python, spec, context.endpoint);
  m.peer["tool"] = "redis-py";
  m.peer["command"] = argv;
  // The password goes through the environment, never the command line.
  std::vector<std::pair<std::string, std::string>> environment;
  if (context.endpoint.has_password()) environment.emplace_back("KVSLO_REDIS_PASSWORD", context.endpoint.password);
  const ProcessOutput out = run_captured(argv, peer_timeout(spec), environment, context.stop);
  if (out.stopped) {
    m.interrupted = true;
    return;
  }
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(out.out);
  } catch (const nlohmann::json::parse_error&) {
    std::string said = out.err;
    if (said.size() > 400) said = "..." + said.substr(said.size() - 400);
    m.failure = "the redis-py peer printed no results (" +
                (out.timed_out ? std::string("timed out") : "exit " + std::to_string(out.exit_code)) + "): " + said;
    return;
  }
  read_peer_report(doc, spec, m);
  m.peer["redis_py_version"] = doc.value("redis_py_version", "");
  m.peer["python"] = python + " " + doc.value("python", "");
  m.peer["contents_verified"] = doc.value("contents_verified", false);
  m.peer["cpu_note"] = "CPU is the Python process's own during the timed batches (time.process_time)";
}

}  // namespace kvslo

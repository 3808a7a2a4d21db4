// redis-py, the write-up's starting point, as a point: scripts/peers/
// redis_py_peer.py under a Python that imports redis, reading kvslo's own
// dataset. One process serves the whole point, as a redis-py user's would:
// it connects and warms up when the point opens, then runs one trial per
// request ("trial" on its stdin) and answers each with one JSON line of
// figures, latencies and key failures. So its turns cost what the trial
// costs, not an interpreter start, a warm-up and a payload build each.
#include <chrono>
#include <optional>

#include "measure/peers/peers.hpp"
#include "measure/point_measurement.hpp"
#include "measure/point_session.hpp"
#include "system/child_process.hpp"
#include "system/helper_scripts.hpp"

namespace kvslo {
namespace {

using Clock = PointSession::Clock;

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
                           "--warmup-batches", std::to_string(spec.warmup_batches),
                           "--streams", std::to_string(spec.streams), "--depth", std::to_string(spec.pipeline_depth),
                           "--timeout", std::to_string(static_cast<double>(spec.op_timeout.count()) / 1000.0)});
  if (spec.verify) argv.push_back("--verify");
  if (spec.time_limit) argv.insert(argv.end(), {"--time-limit", std::to_string(static_cast<double>(spec.time_limit->count()) / 1000.0)});
  return argv;
}

// Generous: 0.01 GB/s over `batches` batches (a SET without numpy builds
// its values in pure Python, at about 0.016 GB/s, outside its timing), plus start-up.
std::chrono::milliseconds answer_timeout(const PointSpec& spec, std::size_t batches) {
  const double bytes = static_cast<double>(spec.chunk_size) * static_cast<double>(spec.chunks_per_batch) * static_cast<double>(batches);
  return std::chrono::milliseconds(static_cast<long>(bytes / 1e9 / 0.01 * 1000) + 60000);
}

// One trial's answer into the trial and the point, with kvslo's own accounting.
void read_trial_answer(const nlohmann::json& doc, const PointSpec& spec, TrialFigures& trial, PointMeasurement& m) {
  const auto trials = doc.value("trials", nlohmann::json::array());
  if (!trials.empty()) {
    const auto& t = trials.front();
    trial.bytes = t.value("bytes", std::uint64_t{0});
    trial.seconds = t.value("seconds", 0.0);
    trial.cpu_seconds = t.value("cpu_seconds", 0.0);
    trial.batches = t.value("batches", std::size_t{0});
    trial.failed_keys = t.value("failed_keys", std::size_t{0});
    trial.server_cpu_seconds = t.value("server_cpu_seconds", -1.0);
  }
  for (double ms : doc.value("batch_latency_ms", std::vector<double>{})) m.batch_latency_ns.push_back(ms * 1e6);
  for (double ms : doc.value("chunk_latency_ms", std::vector<double>{})) m.chunk_latency_ns.push_back(ms * 1e6);
  const std::size_t failed = trial.failed_keys, served = trial.batches * spec.chunks_per_batch;
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
  for (const auto& error : doc.value("errors", std::vector<std::string>{})) m.keep_error(error);
  m.time_limited = m.time_limited || doc.value("time_limited", false);
  if (doc.contains("failure")) m.failure = "redis-py: " + doc["failure"].get<std::string>();
}

class RedisPySession final : public PointSession {
 public:
  RedisPySession(const PointSpec& spec, const PeerContext& context, Clock::time_point origin)
      : PointSession(spec, origin), stop_(context.stop) {
    guarded([&] { open(context.endpoint); });
  }

 private:
  void open(const net::Endpoint& endpoint) {
    const std::string python = find_python("redis");
    if (python.empty()) {
      m_.failure = "no Python with redis-py found (tried $KVSLO_PYTHON, /usr/bin/python3, python3 on PATH): install it "
                   "with 'apt-get install python3-redis' (or scripts/install-deps.sh)";
      return;
    }
    ChildOptions options;
    options.argv = peer_command(python, m_.spec, endpoint);
    // The password goes through the environment, never the command line.
    if (endpoint.has_password()) options.environment.emplace_back("KVSLO_REDIS_PASSWORD", endpoint.password);
    options.out = ChildStream::capture();
    options.err = ChildStream::capture();
    options.input = true;
    m_.peer["tool"] = "redis-py";
    m_.peer["command"] = options.argv;
    child_ = std::make_unique<ChildProcess>(options);
    const auto ready = answer(answer_timeout(m_.spec, static_cast<std::size_t>(m_.spec.warmup_batches)));
    if (!ready) return;
    if (ready->contains("failure")) {
      m_.failure = "redis-py: " + (*ready)["failure"].get<std::string>();
      return;
    }
    m_.peer["redis_py_version"] = ready->value("redis_py_version", "");
    m_.peer["python"] = python + " " + ready->value("python", "");
    m_.peer["contents_verified"] = ready->value("contents_verified", false);
    m_.peer["cpu_note"] = "CPU is the Python process's own during the timed batches (time.process_time)";
    m_.peer["process"] = "one process for the point: connected and warmed up once, one trial per request";
  }

  void trial(TrialFigures& trial) override {
    if (!child_ || !child_->send("trial\n")) {
      m_.failure = "the redis-py peer stopped taking requests" + said();
      return;
    }
    if (const auto doc = answer(answer_timeout(m_.spec, m_.spec.batches()))) read_trial_answer(*doc, m_.spec, trial, m_);
  }

  void on_finish() override {
    if (!child_) return;
    child_->close_input();  // the end of its requests: it exits
    if (child_->wait(Clock::now() + std::chrono::seconds(5)) != ChildWait::kExited) child_->terminate(std::chrono::seconds(1));
  }

  // Its next line as JSON; nothing (with the point's failure or interruption
  // set, and the process ended) when it did not give one.
  std::optional<nlohmann::json> answer(std::chrono::milliseconds timeout) {
    ChildWait why = ChildWait::kExited;
    const auto line = child_->read_line(Clock::now() + timeout, stop_, why);
    if (line) {
      try {
        return nlohmann::json::parse(*line);
      } catch (const nlohmann::json::parse_error&) {
        m_.failure = "the redis-py peer printed a line that is not JSON: " + line->substr(0, 200);
      }
    } else if (why == ChildWait::kStopped) {
      m_.interrupted = true;
    } else if (why == ChildWait::kTimedOut) {
      m_.failure = "the redis-py peer did not answer within " + std::to_string(timeout.count() / 1000) + " s" + said();
    } else {
      child_->wait(Clock::now() + std::chrono::seconds(2));
      m_.failure = "the redis-py peer ended (exit " + std::to_string(child_->exit_code()) + ")" + said();
    }
    child_->terminate(std::chrono::seconds(1));
    return std::nullopt;
  }

  // The end of what it said on stderr, for an error message.
  std::string said() const {
    if (!child_ || child_->err().empty()) return "";
    std::string text = child_->err();
    if (text.size() > 400) text = "..." + text.substr(text.size() - 400);
    return ": " + text;
  }

  const std::atomic<bool>* stop_;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace

std::unique_ptr<PointSession> open_redis_py_session(const PointSpec& spec, const PeerContext& context, Clock::time_point origin) {
  return std::make_unique<RedisPySession>(spec, context, origin);
}

}  // namespace kvslo

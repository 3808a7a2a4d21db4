#include "measure/peers/python_point_session.hpp"

#include <chrono>
#include <optional>

#include "experiment/client_catalog.hpp"
#include "measure/point_measurement.hpp"
#include "measure/server_stats.hpp"
#include "measure/stats.hpp"
#include "system/child_process.hpp"
#include "system/helper_scripts.hpp"

namespace kvslo {
namespace {

using Clock = PointSession::Clock;

// Generous: 0.01 GB/s over `batches` batches (a SET without numpy builds
// its values in pure Python, at about 0.016 GB/s, outside its timing), plus start-up.
std::chrono::milliseconds answer_timeout(const PointSpec& spec, std::size_t batches) {
  const double bytes = static_cast<double>(spec.chunk_size) * static_cast<double>(spec.chunks_per_batch) * static_cast<double>(batches);
  return std::chrono::milliseconds(static_cast<long>(bytes / 1e9 / 0.01 * 1000) + 60000);
}

void append_ms(const nlohmann::json& list, std::vector<double>& out_ns) {
  if (!list.is_array()) return;
  for (const auto& ms : list) {
    if (ms.is_number()) out_ns.push_back(ms.get<double>() * 1e6);
  }
}

// One trial's answer into the trial and the point, with kvslo's own accounting.
void read_trial_answer(const nlohmann::json& doc, const PointSpec& spec, const std::string& tool, TrialFigures& trial,
                       PointMeasurement& m) {
  const auto trials = doc.value("trials", nlohmann::json::array());
  if (!trials.empty()) {
    const auto& t = trials.front();
    trial.bytes = t.value("bytes", std::uint64_t{0});
    trial.seconds = t.value("seconds", 0.0);
    trial.cpu_seconds = t.value("cpu_seconds", 0.0);
    trial.batches = t.value("batches", std::size_t{0});
    trial.failed_keys = t.value("failed_keys", std::size_t{0});
  }
  append_ms(doc.value("batch_latency_ms", nlohmann::json()), m.batch_latency_ns);
  append_ms(doc.value("chunk_latency_ms", nlohmann::json()), m.chunk_latency_ns);
  if (const auto stages = doc.value("stages", nlohmann::json()); stages.is_object()) {
    append_ms(stages.value("queue_wait_ms", nlohmann::json()), m.queue_wait_ns);
    append_ms(stages.value("transfer_ms", nlohmann::json()), m.transfer_ns);
    append_ms(stages.value("handoff_ms", nlohmann::json()), m.handoff_ns);
  }
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
  if (doc.contains("failure") && doc["failure"].is_string()) m.failure = tool + ": " + doc["failure"].get<std::string>();
}

// The boundary's figures over the point's trials (tiled-py): wakeups per
// batch and Python's own time per batch.
class BoundaryTally {
 public:
  void add(const nlohmann::json& boundary) {
    if (!boundary.is_object()) return;
    seen_ = true;
    wakeups_ += boundary.value("wakeups", std::uint64_t{0});
    empty_wakeups_ += boundary.value("empty_wakeups", std::uint64_t{0});
    batches_ += boundary.value("batches_completed", std::uint64_t{0});
    dropped_ += boundary.value("dropped", std::uint64_t{0});
    append_ms(boundary.value("python_ms", nlohmann::json()), python_ns_);
  }
  void write(nlohmann::json& out) const {
    if (!seen_) return;
    out["wakeups"] = wakeups_;
    out["empty_wakeups"] = empty_wakeups_;
    out["batches_completed"] = batches_;
    out["dropped_completions"] = dropped_;
    out["wakeups_per_batch"] = batches_ > 0 ? nlohmann::json(static_cast<double>(wakeups_) / static_cast<double>(batches_))
                                            : nlohmann::json(nullptr);
    out["python_time_per_batch"] = to_json(summarize(python_ns_), 1e-6, "ms");
  }

 private:
  bool seen_ = false;
  std::uint64_t wakeups_ = 0, empty_wakeups_ = 0, batches_ = 0, dropped_ = 0;
  std::vector<double> python_ns_;
};

class PythonPointSession final : public PointSession {
 public:
  PythonPointSession(const PointSpec& spec, const PeerContext& context, Clock::time_point origin, PythonPoint point)
      : PointSession(spec, origin), endpoint_(context.endpoint), stop_(context.stop), point_(std::move(point)) {
    guarded([&] { open(context.endpoint); });
  }

 private:
  // What the program says about itself: a peer's `peer` entry, or tiled-py's `boundary`.
  nlohmann::json& about() { return client_entry(m_.spec.client).peer() ? m_.peer : m_.boundary; }

  void open(const net::Endpoint& endpoint) {
    const std::string python = find_python(point_.imports, point_.preferred_python);
    if (python.empty()) {
      m_.failure = "no Python that imports " + point_.imports + " found (tried $KVSLO_PYTHON, /usr/bin/python3, python3 on PATH): " +
                   point_.install;
      return;
    }
    ChildOptions options;
    options.argv = {python};
    options.argv.insert(options.argv.end(), point_.arguments.begin(), point_.arguments.end());
    // The password goes through the environment, never the command line.
    if (endpoint.has_password()) options.environment.emplace_back("KVSLO_REDIS_PASSWORD", endpoint.password);
    for (const auto& e : point_.environment) options.environment.push_back(e);
    options.out = ChildStream::capture();
    options.err = ChildStream::capture();
    options.input = true;
    about()["tool"] = point_.tool;
    about()["command"] = options.argv;
    child_ = std::make_unique<ChildProcess>(options);
    const auto ready = answer(answer_timeout(m_.spec, static_cast<std::size_t>(m_.spec.warmup_batches)));
    if (!ready) return;
    if (ready->contains("failure")) {
      m_.failure = point_.tool + ": " + (*ready)["failure"].dump();
      if ((*ready)["failure"].is_string()) m_.failure = point_.tool + ": " + (*ready)["failure"].get<std::string>();
      return;
    }
    for (const auto& [key, value] : ready->items()) {
      if (key != "ready") about()[key] = value;
    }
    about()["python"] = python + " " + ready->value("python", "");
    about()["cpu_note"] = "CPU is the Python process's own during the timed batches (time.process_time)";
    about()["process"] = "one process for the point: connected and warmed up once, one trial per request";
  }

  void trial(TrialFigures& trial) override {
    if (!child_ || !child_->send("trial\n")) {
      m_.failure = "the " + point_.tool + " process stopped taking requests" + said();
      return;
    }
    // The server's CPU around the trial (the process does nothing else meanwhile).
    const double server_before = server_cpu();
    if (const auto doc = answer(answer_timeout(m_.spec, m_.spec.batches()))) {
      read_trial_answer(*doc, m_.spec, point_.tool, trial, m_);
      boundary_.add(doc->value("boundary", nlohmann::json()));
      const double server_after = server_cpu();
      if (server_before >= 0 && server_after >= 0) trial.server_cpu_seconds = server_after - server_before;
    }
  }

  void on_finish() override {
    boundary_.write(m_.boundary);
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
        auto doc = nlohmann::json::parse(*line);
        if (doc.is_object()) return doc;
        m_.failure = "the " + point_.tool + " process printed JSON that is not an object: " + line->substr(0, 200);
      } catch (const nlohmann::json::parse_error&) {
        m_.failure = "the " + point_.tool + " process printed a line that is not JSON: " + line->substr(0, 200);
      }
    } else if (why == ChildWait::kStopped) {
      m_.interrupted = true;
    } else if (why == ChildWait::kTimedOut) {
      m_.failure = "the " + point_.tool + " process did not answer within " + std::to_string(timeout.count() / 1000) + " s" + said();
    } else {
      child_->wait(Clock::now() + std::chrono::seconds(2));
      m_.failure = "the " + point_.tool + " process ended (exit " + std::to_string(child_->exit_code()) + ")" + said();
    }
    child_->terminate(std::chrono::seconds(1));
    return std::nullopt;
  }

  // The server's CPU seconds so far, or -1 when it cannot be read (the point goes on).
  double server_cpu() const {
    try {
      return server_cpu_seconds(endpoint_);
    } catch (const std::exception&) {
      return -1;
    }
  }

  // The end of what it said on stderr, for an error message.
  std::string said() const {
    if (!child_ || child_->err().empty()) return "";
    std::string text = child_->err();
    if (text.size() > 400) text = "..." + text.substr(text.size() - 400);
    return ": " + text;
  }

  net::Endpoint endpoint_;
  const std::atomic<bool>* stop_;
  PythonPoint point_;
  std::unique_ptr<ChildProcess> child_;
  BoundaryTally boundary_;
};

}  // namespace

std::unique_ptr<PointSession> open_python_point_session(const PointSpec& spec, const PeerContext& context,
                                                        Clock::time_point origin, PythonPoint point) {
  return std::make_unique<PythonPointSession>(spec, context, origin, std::move(point));
}

}  // namespace kvslo

#include "point_runner.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <stdexcept>
#include <thread>

#include "batch_executor.hpp"
#include "interrupted.hpp"
#include "payload.hpp"
#include "server_stats.hpp"
#include "stats.hpp"
#include "units.hpp"

namespace kvslo {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kErrorsKept = 10;

double cpu_seconds_now() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

bool transport_failure(KeyStatus s) { return s == KeyStatus::kIoError || s == KeyStatus::kTimeout; }

}  // namespace

std::size_t PointMeasurement::failed_keys() const {
  std::size_t n = 0;
  for (std::size_t s = 0; s < kKeyStatusCount; ++s) {
    if (s != static_cast<std::size_t>(KeyStatus::kOk)) n += status_counts[s];
  }
  return n;
}

std::string PointMeasurement::status() const {
  if (interrupted) return "interrupted";
  return !failure.empty() || failed_keys() > 0 || verify_failures > 0 ? "failed" : "ok";
}

std::vector<std::string> PointMeasurement::buffer_warnings() const {
  // Linux grants twice a request (for bookkeeping) unless the request is
  // above net.core.wmem_max / rmem_max, where it is capped without an error.
  std::vector<std::string> out;
  auto check = [&](const std::optional<int>& requested, int ConnectionInfo::*granted, const char* name, const char* sysctl) {
    if (!requested || connections.empty()) return;
    const int got = connections.front().*granted;
    if (static_cast<long>(got) < 2L * *requested) {
      out.push_back(std::string(name) + ": requested " + format_size(static_cast<std::uint64_t>(*requested)) +
                    ", effective " + format_size(static_cast<std::uint64_t>(got / 2)) + ": capped by " + sysctl +
                    " (the kernel reports " + format_size(static_cast<std::uint64_t>(got)) +
                    ", twice the cap); 'kvslo net' prints the sysctl to raise");
    }
  };
  check(spec.sndbuf, &ConnectionInfo::sndbuf_granted, "sndbuf", "net.core.wmem_max");
  check(spec.rcvbuf, &ConnectionInfo::rcvbuf_granted, "rcvbuf", "net.core.rmem_max");
  return out;
}

double PointMeasurement::attainment(double bound_ms) const {
  if (batch_latency_ns.empty()) return 0;
  const double bound_ns = bound_ms * 1e6;
  const auto within = std::count_if(batch_latency_ns.begin(), batch_latency_ns.end(), [&](double v) { return v <= bound_ns; });
  return static_cast<double>(within) / static_cast<double>(batch_latency_ns.size());
}

double PointMeasurement::server_busy() const {
  double cpu = 0, seconds = 0;
  for (const auto& t : trials) {
    if (t.server_cpu_seconds < 0) return -1;
    cpu += t.server_cpu_seconds;
    seconds += t.seconds;
  }
  return seconds > 0 ? cpu / seconds : -1;
}

double PointMeasurement::cpu_seconds_per_gb() const {
  double bytes = 0, cpu = 0;
  for (const auto& t : trials) {
    bytes += static_cast<double>(t.bytes);
    cpu += t.cpu_seconds;
  }
  return bytes > 0 ? cpu / (bytes / 1e9) : -1;
}

double PointMeasurement::median_gbps() const {
  std::vector<double> v;
  for (const auto& t : trials) v.push_back(t.gbps());
  return spread(v).median;
}

PointFigures PointMeasurement::figures() const {
  PointFigures f;
  f.op = spec.op;
  f.median_gbps = median_gbps();
  f.batch_p99_ms = summarize(batch_latency_ns).p99 / 1e6;
  f.failed_keys = failed_keys();
  f.verify_failures = verify_failures;
  f.completed = failure.empty() && !interrupted && !trials.empty();
  return f;
}

nlohmann::json PointMeasurement::to_json(const Slo& slo) const {
  nlohmann::json j;
  j["parameters"] = spec.to_json();
  j["status"] = status();
  j["failure"] = failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(failure);
  nlohmann::json trial_list = nlohmann::json::array();
  std::vector<double> gbps;
  for (const auto& t : trials) {
    trial_list.push_back({{"bytes", t.bytes},
                          {"seconds", t.seconds},
                          {"gbps", t.gbps()},
                          {"cpu_seconds", t.cpu_seconds},
                          {"server_cpu_seconds", t.server_cpu_seconds >= 0 ? nlohmann::json(t.server_cpu_seconds) : nlohmann::json(nullptr)},
                          {"busy_seconds", t.busy_seconds},
                          {"harness_seconds", t.harness_seconds},
                          {"batches", t.batches},
                          {"failed_keys", t.failed_keys}});
    gbps.push_back(t.gbps());
  }
  j["trials"] = trial_list;
  j["throughput_gbps"] = kvslo::to_json(spread(gbps));
  j["batch_latency"] = kvslo::to_json(summarize(batch_latency_ns), 1e-6, "ms");
  // Every batch's latency, for CDFs (a few hundred numbers per point).
  nlohmann::json samples = nlohmann::json::array();
  for (double ns : batch_latency_ns) samples.push_back(std::round(ns / 1e3) / 1e3);
  j["batch_latency_samples_ms"] = samples;
  j["chunk_latency"] = kvslo::to_json(summarize(chunk_latency_ns), 1e-6, "ms");
  if (!transfer_ns.empty()) {
    j["stages"] = {{"queue_wait", kvslo::to_json(summarize(queue_wait_ns), 1e-6, "ms")},
                   {"transfer", kvslo::to_json(summarize(transfer_ns), 1e-6, "ms")},
                   {"handoff", kvslo::to_json(summarize(handoff_ns), 1e-6, "ms")}};
    j["worker_bytes"] = worker_bytes;
  }
  j["time_limited"] = time_limited;
  // Attainment: the share of batches within the SLO's latency bound; goodput
  // is throughput that came with it.
  if (slo.batch_p99_ms && !batch_latency_ns.empty()) {
    const double share = attainment(*slo.batch_p99_ms);
    j["slo_attainment"] = share;
    j["goodput_gbps"] = spread(gbps).median * share;
  } else {
    j["slo_attainment"] = nullptr;
    j["goodput_gbps"] = nullptr;
  }
  const double cpu_per_gb = cpu_seconds_per_gb();
  j["cpu_seconds_per_gb"] = cpu_per_gb >= 0 ? nlohmann::json(cpu_per_gb) : nlohmann::json(nullptr);
  const double busy = server_busy();
  j["server_busy_cores"] = busy >= 0 ? nlohmann::json(busy) : nlohmann::json(nullptr);
  nlohmann::json counts = nlohmann::json::object();
  for (std::size_t s = 0; s < kKeyStatusCount; ++s) {
    counts[std::string(to_string(static_cast<KeyStatus>(s)))] = status_counts[s];
  }
  j["key_status_counts"] = counts;
  j["verify_failures"] = verify_failures;
  j["errors"] = errors;
  nlohmann::json conns = nlohmann::json::array();
  for (const auto& c : connections) {
    conns.push_back({{"sndbuf_granted", c.sndbuf_granted}, {"rcvbuf_granted", c.rcvbuf_granted}, {"rcv_wscale", c.rcv_wscale}});
  }
  j["connections"] = conns;
  j["warnings"] = buffer_warnings();

  if (is_peer(spec.client)) {
    j["peer"] = peer.is_object() ? peer : nlohmann::json::object();
    j["peer"]["limits"] = peer_limits(spec);
  } else {
    j["peer"] = nullptr;
  }
  if (judged_by_slo(spec.client)) {
    j["slo"] = judge(slo, figures()).to_json();
  } else {
    j["slo"] = {{"pass", false}, {"applicable", false}, {"reasons", {spec.client + " moves no Redis data"}}};
  }
  return j;
}

PointRunner::PointRunner(net::Endpoint endpoint, const std::atomic<bool>& stop_requested, PeerContext peers)
    : endpoint_(std::move(endpoint)), stop_requested_(stop_requested), peers_(std::move(peers)) {
  peers_.endpoint = endpoint_;
  peers_.stop = &stop_requested_;
}

ChunkSet PointRunner::dataset(const PointSpec& spec) const {
  // Length keys are written beside every dataset, so one dataset serves both layouts.
  return ChunkSet{[prefix = spec.key_prefix, size = spec.chunk_size](std::size_t i) { return key_name(prefix, size, i); },
                  spec.chunk_size, spec.key_count(), true};
}

void PointRunner::ensure_dataset(const PointSpec& spec) {
  const std::string id = dataset_identity(spec);
  if (loaded_.count(id)) return;
  if (!written_.count(id)) {
    // Whatever holds these names now is not kvslo's (a dataset kvslo wrote
    // is in written_): never write over it, since kvslo deletes what it writes.
    require_absent(endpoint_, dataset(spec), spec.op_timeout, "kvslo");
    written_.emplace(id, spec);  // before loading: a load cut short is deleted too
  }
  load_chunks(endpoint_, dataset(spec), spec.op_timeout, stop_requested_);
  loaded_.insert(id);
}

void PointRunner::drop_dataset(const PointSpec& spec) {
  const std::string id = dataset_identity(spec);
  if (!written_.count(id)) return;
  delete_chunks(endpoint_, dataset(spec), spec.op_timeout);
  written_.erase(id);
  loaded_.erase(id);
}

std::vector<std::string> PointRunner::drop_all_datasets() {
  std::vector<std::string> failures;
  for (const auto& [id, spec] : std::map<std::string, PointSpec>(written_)) {
    try {
      drop_dataset(spec);
    } catch (const std::exception& e) {
      failures.push_back("the " + std::to_string(spec.key_count()) + " keys " +
                         key_name(spec.key_prefix, spec.chunk_size, 0) + " ... on " + endpoint_.display() +
                         " could not be deleted: " + e.what());
    }
  }
  return failures;
}

PointMeasurement PointRunner::run(const PointSpec& spec) {
  PointMeasurement m;
  m.spec = spec;
  try {
    spec.validate();
    if (is_external_peer(spec.client)) {
      // redis-py reads and writes kvslo's dataset (so the run drops it like
      // any other); redis-benchmark and iperf3 bring their own.
      if (spec.client == "redis-py") ensure_dataset(spec);
      run_external_peer(spec, peers_, m);
    } else {
      if (spec.client != "null") ensure_dataset(spec);  // the null client reads nothing
      measure(spec, m);
    }
  } catch (const Interrupted&) {
    m.interrupted = true;
  } catch (const std::exception& e) {
    m.failure = e.what();
  }
  return m;
}

namespace {

bool all_transport_failures(const BatchResult& r) {
  return !r.keys.empty() &&
         std::all_of(r.keys.begin(), r.keys.end(), [](const KeyOutcome& k) { return transport_failure(k.status); });
}

}  // namespace

// When each batch starts. Closed loop: as soon as the last one ended.
// Open loop: batch i is due at the trial's start plus the sum of inter-arrival
// gaps, on a clock that stops while harness work (poisoning, verifying,
// bookkeeping) runs past a batch's due time: a run behind schedule would
// otherwise count that work in the next batch's latency and the trial's
// time. Harness work done while ahead of schedule fits in the idle time and
// moves nothing, so the offered rate stays the stated one.
class Schedule {
 public:
  explicit Schedule(const Arrival& arrival)
      : arrival_(arrival), rng_(arrival.seed), poisson_(arrival.open_loop() ? arrival.rate_per_s : 1.0) {}
  void start_trial(Clock::time_point now) {
    due_ = harness_from_ = start_ = now;
    paused_ = {};
    first_ = true;
  }
  // The harness is done with batch preparation: when the next batch is due
  // (on the wall clock; now for a closed loop).
  Clock::time_point next_due() {
    mark_ = Clock::now();
    if (!arrival_.open_loop()) {
      paused_ += mark_ - harness_from_;
      return mark_;
    }
    if (first_) {
      due_ = start_ = mark_;  // the schedule starts when the first batch is ready
    } else {
      due_ += gap();
    }
    first_ = false;
    paused_ += std::max(Clock::duration::zero(), mark_ - std::max(harness_from_, due_ + paused_));
    return due_ + paused_;
  }
  // The wait for the arrival ended at `woke` and the batch is issued at `t0`:
  // the books kept in between are harness too (a preemption there is not
  // the client's). A late wake-up is not: it stays in the batch's latency.
  void issued(Clock::time_point woke, Clock::time_point t0) { paused_ += t0 - std::max(mark_, woke); }
  // The batch issued at `t0` ended at `t1`: its latency, and the harness takes over.
  Clock::duration batch_done(Clock::time_point t0, Clock::time_point t1) {
    harness_from_ = last_end_ = t1;
    return t1 - (arrival_.open_loop() ? due_ + paused_ : t0);
  }
  // Open loop: the offered schedule's span, first arrival to last completion, harness work excluded.
  double schedule_seconds() const { return std::chrono::duration<double>(last_end_ - start_ - paused_).count(); }
  double harness_seconds() const { return std::chrono::duration<double>(paused_).count(); }

 private:
  Clock::duration gap() {
    const double seconds = arrival_.mode == "poisson" ? poisson_(rng_) : 1.0 / arrival_.rate_per_s;
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  }
  const Arrival& arrival_;
  std::mt19937_64 rng_;
  std::exponential_distribution<double> poisson_;
  Clock::time_point start_, due_, mark_, harness_from_, last_end_;
  Clock::duration paused_{};
  bool first_ = true;
};

bool PointRunner::wait_until(Clock::time_point when, const PointSpec& spec, Clock::time_point point_start,
                             PointMeasurement& m) const {
  // In slices, so Ctrl-C and the time limit are honoured during a long gap.
  while (Clock::now() < when) {
    if (stop_requested_) {
      m.interrupted = true;
      return false;
    }
    if (spec.time_limit && Clock::now() - point_start >= *spec.time_limit) {
      m.time_limited = true;
      return false;
    }
    std::this_thread::sleep_until(std::min(when, Clock::now() + std::chrono::milliseconds(50)));
  }
  return true;
}

void PointRunner::measure(const PointSpec& spec, PointMeasurement& m) {
  BatchExecutor batch(spec, endpoint_);
  std::size_t cursor = 0;  // batches walk the working set
  auto next_first = [&, n = spec.key_count()] {
    const std::size_t first = cursor;
    cursor = (cursor + spec.chunks_per_batch) % n;
    return first;
  };
  for (int w = 0; w < spec.warmup_batches && !stop_requested_; ++w) {
    batch.prepare(next_first());
    BatchResult result = batch.execute();
    if (all_transport_failures(result)) {
      m.failure = "warm-up batch failed: " + result.first_failure();
      return;
    }
  }
  // The server's CPU over each trial (the null client has no server).
  auto server_cpu = [&]() -> double {
    if (spec.client == "null") return -1;
    try {
      return server_cpu_seconds(endpoint_);
    } catch (const std::exception&) {
      return -1;  // a server that cannot say; the batches report their own failures
    }
  };
  const auto point_start = Clock::now();
  Schedule schedule(spec.arrival);
  for (int t = 0; t < spec.trials && !m.interrupted && !m.time_limited && m.failure.empty(); ++t) {
    TrialFigures trial;
    const double server_cpu0 = server_cpu();
    schedule.start_trial(Clock::now());
    run_trial(spec, batch, schedule, next_first, point_start, trial, m);
    if (spec.arrival.open_loop()) trial.seconds = schedule.schedule_seconds();
    trial.harness_seconds = schedule.harness_seconds();
    if (const double server_cpu1 = server_cpu(); server_cpu0 >= 0 && server_cpu1 >= 0) {
      trial.server_cpu_seconds = server_cpu1 - server_cpu0;
    }
    if (trial.batches > 0) m.trials.push_back(trial);
  }
  m.connections = batch.connections();
}

void PointRunner::run_trial(const PointSpec& spec, BatchExecutor& batch, Schedule& schedule,
                            const std::function<std::size_t()>& next_first, Clock::time_point point_start,
                            TrialFigures& trial, PointMeasurement& m) {
  for (std::size_t b = 0; b < spec.batches(); ++b) {
    if (stop_requested_) {
      m.interrupted = true;
      return;
    }
    if (spec.time_limit && Clock::now() - point_start >= *spec.time_limit && trial.batches > 0) {
      m.time_limited = true;
      return;
    }
    batch.prepare(next_first());
    // The harness waits for the arrival, never the client.
    if (!wait_until(schedule.next_due(), spec, point_start, m)) return;
    const auto woke = Clock::now();
    const double cpu0 = cpu_seconds_now();
    const auto t0 = Clock::now();
    schedule.issued(woke, t0);
    BatchResult result = batch.execute();
    const auto t1 = Clock::now();
    trial.cpu_seconds += cpu_seconds_now() - cpu0;
    ++trial.batches;
    // Closed loop: the batch's own time. Open loop: from when it was due, so
    // time queued behind a slow batch counts (no coordinated omission).
    m.batch_latency_ns.push_back(
        static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(schedule.batch_done(t0, t1)).count()));
    trial.seconds += std::chrono::duration<double>(t1 - t0).count();
    trial.busy_seconds += std::chrono::duration<double>(t1 - t0).count();
    record_stages(batch, m);
    account(spec, batch, result, trial, m);
    if (all_transport_failures(result)) {
      m.failure = "every key of a batch failed: " + result.first_failure();
      return;
    }
  }
}

void PointRunner::record_stages(const BatchExecutor& batch, PointMeasurement& m) {
  const auto stages = batch.last_batch_stages();
  if (!stages) return;
  m.queue_wait_ns.push_back(static_cast<double>(stages->queue_wait_ns));
  m.transfer_ns.push_back(static_cast<double>(stages->transfer_ns));
  m.handoff_ns.push_back(static_cast<double>(stages->handoff_ns));
  m.worker_bytes.resize(std::max(m.worker_bytes.size(), stages->worker_bytes.size()));
  for (std::size_t w = 0; w < stages->worker_bytes.size(); ++w) m.worker_bytes[w] += stages->worker_bytes[w];
}

void PointRunner::account(const PointSpec& spec, const BatchExecutor& batch, const BatchResult& result,
                          TrialFigures& trial, PointMeasurement& m) {
  for (std::size_t i = 0; i < result.keys.size(); ++i) {
    const KeyOutcome& k = result.keys[i];
    ++m.status_counts[static_cast<std::size_t>(k.status)];
    if (k.status != KeyStatus::kOk) {
      ++trial.failed_keys;
      if (m.errors.size() < kErrorsKept) {
        m.errors.push_back("key " + std::string(batch.key(i)) + ": " + std::string(to_string(k.status)) +
                           (k.message.empty() ? "" : ": " + k.message));
      }
      continue;
    }
    m.chunk_latency_ns.push_back(static_cast<double>(k.latency_ns));
    std::string wrong;
    if (spec.op == "get") {
      if (k.value_size != spec.chunk_size) {
        wrong = "value of " + std::to_string(k.value_size) + " bytes reported ok";  // a generic client may accept it
      } else if (spec.verifies()) {
        if (auto at = verify_payload(batch.key_index(i), batch.buffer(i))) wrong = "wrong contents from byte " + std::to_string(*at);
      }
    } else if (spec.op == "exists" && !batch.present(i)) {
      wrong = "reported absent";
    }
    if (wrong.empty()) {
      trial.bytes += spec.op == "exists" ? 0 : spec.chunk_size;
    } else {
      ++m.verify_failures;
      ++trial.failed_keys;
      if (m.errors.size() < kErrorsKept) m.errors.push_back("key " + std::string(batch.key(i)) + ": " + wrong);
    }
  }
}

}  // namespace kvslo

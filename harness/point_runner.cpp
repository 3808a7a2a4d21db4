#include "point_runner.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <thread>

#include "batch_executor.hpp"
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

std::string key_name(const std::string& prefix, std::uint64_t chunk_size, std::size_t index) {
  return prefix + ":" + std::to_string(chunk_size) + ":" + std::to_string(index);
}

std::size_t PointMeasurement::failed_keys() const {
  std::size_t n = 0;
  for (std::size_t s = 0; s < kKeyStatusCount; ++s) {
    if (s != static_cast<std::size_t>(KeyStatus::kOk)) n += status_counts[s];
  }
  return n;
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
  const bool failed = !failure.empty() || failed_keys() > 0 || verify_failures > 0;
  j["status"] = interrupted ? "interrupted" : failed ? "failed" : "ok";
  j["failure"] = failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(failure);
  nlohmann::json trial_list = nlohmann::json::array();
  std::vector<double> gbps;
  for (const auto& t : trials) {
    trial_list.push_back({{"bytes", t.bytes},
                          {"seconds", t.seconds},
                          {"gbps", t.gbps()},
                          {"cpu_seconds", t.cpu_seconds},
                          {"server_cpu_seconds", t.server_cpu_seconds >= 0 ? nlohmann::json(t.server_cpu_seconds) : nlohmann::json(nullptr)},
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
  for (const auto& c : connections) conns.push_back({{"sndbuf_granted", c.sndbuf_granted}, {"rcvbuf_granted", c.rcvbuf_granted}});
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
  auto shape = std::make_tuple(spec.key_prefix, spec.chunk_size, spec.key_count());
  if (loaded_.count(shape)) return;
  load_chunks(endpoint_, dataset(spec), spec.op_timeout, stop_requested_);
  loaded_.insert(shape);
}

void PointRunner::drop_dataset(const PointSpec& spec) {
  auto shape = std::make_tuple(spec.key_prefix, spec.chunk_size, spec.key_count());
  if (!loaded_.count(shape)) return;
  loaded_.erase(shape);
  delete_chunks(endpoint_, dataset(spec), spec.op_timeout);
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
  } catch (const std::exception& e) {
    m.failure = e.what();
  }
  return m;
}

void PointRunner::measure(const PointSpec& spec, PointMeasurement& m) {
  BatchExecutor batch(spec, endpoint_);
  const std::size_t n = spec.key_count();
  std::size_t cursor = 0;  // batches walk the working set
  auto next_first = [&] {
    const std::size_t first = cursor;
    cursor = (cursor + spec.chunks_per_batch) % n;
    return first;
  };
  auto all_transport_failures = [](const BatchResult& r) {
    return !r.keys.empty() && std::all_of(r.keys.begin(), r.keys.end(), [](const KeyOutcome& k) { return transport_failure(k.status); });
  };
  const auto point_start = Clock::now();
  auto out_of_time = [&] { return spec.time_limit && Clock::now() - point_start >= *spec.time_limit; };

  for (int w = 0; w < spec.warmup_batches && !stop_requested_; ++w) {
    batch.prepare(next_first());
    BatchResult result = batch.execute();
    if (all_transport_failures(result)) {
      m.failure = "warm-up batch failed: " + result.first_failure();
      return;
    }
  }

  // Open loop: batch i is due at trial start + the sum of inter-arrival gaps.
  std::mt19937_64 rng(spec.arrival.seed);
  std::exponential_distribution<double> poisson_gap(spec.arrival.open_loop() ? spec.arrival.rate_per_s : 1.0);
  auto gap = [&]() -> Clock::duration {
    const double seconds = spec.arrival.mode == "poisson" ? poisson_gap(rng) : 1.0 / spec.arrival.rate_per_s;
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  };

  // The server's CPU over each trial (the null client has no server).
  auto server_cpu = [&]() -> double {
    if (spec.client == "null") return -1;
    try {
      return server_cpu_seconds(endpoint_);
    } catch (const std::exception&) {
      return -1;  // a server that cannot say; the batches report their own failures
    }
  };
  for (int t = 0; t < spec.trials && !m.interrupted && !m.time_limited; ++t) {
    TrialFigures trial;
    const double server_cpu0 = server_cpu();
    const auto trial_start = Clock::now();
    auto due = trial_start;
    Clock::time_point last_end = trial_start;
    for (std::size_t b = 0; b < spec.batches(); ++b) {
      if (stop_requested_) {
        m.interrupted = true;
        break;
      }
      if (out_of_time() && trial.batches > 0) {
        m.time_limited = true;
        break;
      }
      batch.prepare(next_first());
      if (spec.arrival.open_loop()) {
        if (b > 0) due += gap();
        std::this_thread::sleep_until(due);  // the harness waits for the arrival, never the client
      }
      const double cpu0 = cpu_seconds_now();
      const auto t0 = Clock::now();
      BatchResult result = batch.execute();
      const auto t1 = Clock::now();
      trial.cpu_seconds += cpu_seconds_now() - cpu0;
      ++trial.batches;
      // Closed loop: the batch's own time. Open loop: from when it was due,
      // so time spent queued behind a slow batch counts (no coordinated omission).
      const auto started = spec.arrival.open_loop() ? due : t0;
      m.batch_latency_ns.push_back(static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - started).count()));
      trial.seconds += std::chrono::duration<double>(t1 - t0).count();
      last_end = t1;
      if (auto stages = batch.last_batch_stages()) {
        m.queue_wait_ns.push_back(static_cast<double>(stages->queue_wait_ns));
        m.transfer_ns.push_back(static_cast<double>(stages->transfer_ns));
        m.handoff_ns.push_back(static_cast<double>(stages->handoff_ns));
        m.worker_bytes.resize(std::max(m.worker_bytes.size(), stages->worker_bytes.size()));
        for (std::size_t w = 0; w < stages->worker_bytes.size(); ++w) m.worker_bytes[w] += stages->worker_bytes[w];
      }
      account(spec, batch, result, trial, m);
      if (all_transport_failures(result)) {
        m.trials.push_back(trial);
        m.failure = "every key of a batch failed: " + result.first_failure();
        m.connections = batch.connections();
        return;
      }
    }
    // Open loop: throughput over the offered schedule, arrival to last completion.
    if (spec.arrival.open_loop()) trial.seconds = std::chrono::duration<double>(last_end - trial_start).count();
    if (const double server_cpu1 = server_cpu(); server_cpu0 >= 0 && server_cpu1 >= 0) {
      trial.server_cpu_seconds = server_cpu1 - server_cpu0;
    }
    if (trial.batches > 0) m.trials.push_back(trial);
  }
  m.connections = batch.connections();
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

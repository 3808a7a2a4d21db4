#include "point_runner.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "payload.hpp"
#include "registry.hpp"
#include "stats.hpp"

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
  double bytes = 0, cpu = 0;
  for (const auto& t : trials) {
    trial_list.push_back({{"bytes", t.bytes},
                          {"seconds", t.seconds},
                          {"gbps", t.gbps()},
                          {"cpu_seconds", t.cpu_seconds},
                          {"batches", t.batches},
                          {"failed_keys", t.failed_keys}});
    gbps.push_back(t.gbps());
    bytes += static_cast<double>(t.bytes);
    cpu += t.cpu_seconds;
  }
  j["trials"] = trial_list;
  j["throughput_gbps"] = kvslo::to_json(spread(gbps));
  j["batch_latency"] = kvslo::to_json(summarize(batch_latency_ns), 1e-6, "ms");
  j["chunk_latency"] = kvslo::to_json(summarize(chunk_latency_ns), 1e-6, "ms");
  if (!transfer_ns.empty()) {
    j["stages"] = {{"queue_wait", kvslo::to_json(summarize(queue_wait_ns), 1e-6, "ms")},
                   {"transfer", kvslo::to_json(summarize(transfer_ns), 1e-6, "ms")},
                   {"handoff", kvslo::to_json(summarize(handoff_ns), 1e-6, "ms")}};
    j["worker_bytes"] = worker_bytes;
  }
  j["cpu_seconds_per_gb"] = bytes > 0 ? nlohmann::json(cpu / (bytes / 1e9)) : nlohmann::json(nullptr);
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
  j["slo"] = judge(slo, figures()).to_json();
  return j;
}

PointRunner::PointRunner(net::Endpoint endpoint, const std::atomic<bool>& stop_requested)
    : endpoint_(std::move(endpoint)), stop_requested_(stop_requested) {}

void PointRunner::ensure_dataset(const PointSpec& spec) {
  auto shape = std::make_tuple(spec.key_prefix, spec.chunk_size, spec.key_count());
  if (loaded_.count(shape)) return;
  // Loaded by the zero-copy client whatever the point's client: loading is
  // set-up, not measurement, and should cost as little time as possible.
  ClientOptions options;
  options.endpoint = endpoint_;
  options.streams = 2;
  options.pipeline_depth = 4;
  options.op_timeout = spec.op_timeout;
  auto loader = make_client("zerocopy", options);
  const std::size_t n = spec.key_count();
  const std::size_t per_batch = std::max<std::size_t>(1, std::min<std::size_t>(n, (256ull << 20) / spec.chunk_size));
  std::vector<std::byte> tile(per_batch * spec.chunk_size);
  std::vector<std::string> names;
  std::vector<std::string_view> keys;
  std::vector<ConstBuffer> values;
  for (std::size_t first = 0; first < n; first += per_batch) {
    if (stop_requested_) throw std::runtime_error("interrupted while loading the working set");
    const std::size_t count = std::min(per_batch, n - first);
    names.clear();
    keys.clear();
    values.clear();
    for (std::size_t i = 0; i < count; ++i) {
      names.push_back(key_name(spec.key_prefix, spec.chunk_size, first + i));
      std::span<std::byte> value(tile.data() + i * spec.chunk_size, spec.chunk_size);
      fill_payload(first + i, value);
      values.push_back(value);
    }
    for (const auto& s : names) keys.push_back(s);
    BatchResult r = loader->batch_set(keys, values);
    if (!r.all_ok()) {
      throw std::runtime_error("loading the working set failed at " + std::string(keys[0]) + "...: " +
                               r.first_failure());
    }
  }
  loaded_.insert(shape);
}

PointMeasurement PointRunner::run(const PointSpec& spec) {
  PointMeasurement m;
  m.spec = spec;
  try {
    spec.validate();
    ensure_dataset(spec);
    measure(spec, m);
  } catch (const std::exception& e) {
    m.failure = e.what();
  }
  return m;
}

void PointRunner::measure(const PointSpec& spec, PointMeasurement& m) {
  ClientOptions options;
  options.endpoint = endpoint_;
  options.streams = spec.streams;
  options.threads = spec.threads;
  options.pipeline_depth = spec.pipeline_depth;
  options.fixed_size = spec.fixed_size;
  options.sndbuf = spec.sndbuf;
  options.rcvbuf = spec.rcvbuf;
  options.op_timeout = spec.op_timeout;
  options.tile_bytes = spec.tile_bytes;
  options.inflight = spec.inflight;
  auto client = make_client(spec.client, options);

  const std::size_t n = spec.key_count();
  const std::size_t per_batch = spec.chunks_per_batch;
  std::vector<std::string> names(n);
  for (std::size_t i = 0; i < n; ++i) names[i] = key_name(spec.key_prefix, spec.chunk_size, i);
  // One contiguous tile for the batch, touched once here so page faults do
  // not land in the timed region.
  std::vector<std::byte> tile(per_batch * spec.chunk_size);
  std::vector<std::string_view> keys(per_batch);
  std::vector<std::size_t> indexes(per_batch);
  std::vector<MutableBuffer> buffers(per_batch);
  std::vector<ConstBuffer> values(per_batch);
  auto present = std::make_unique<bool[]>(per_batch);
  for (std::size_t i = 0; i < per_batch; ++i) {
    buffers[i] = {tile.data() + i * spec.chunk_size, spec.chunk_size};
    values[i] = buffers[i];
  }
  std::size_t cursor = 0;  // next key index; batches walk the working set

  // Runs one batch; returns its wall time in ns.
  auto run_batch = [&](BatchResult& result) -> double {
    for (std::size_t i = 0; i < per_batch; ++i) {
      indexes[i] = (cursor + i) % n;
      keys[i] = names[indexes[i]];
    }
    cursor = (cursor + per_batch) % n;
    if (spec.op == "set") {
      for (std::size_t i = 0; i < per_batch; ++i) fill_payload(indexes[i], buffers[i]);
    } else if (spec.op == "get" && spec.verify) {
      // Poison the buffers, so a client that reports success without
      // filling a buffer cannot pass verification with stale contents.
      std::memset(tile.data(), 0xA5, tile.size());
    }
    const auto t0 = Clock::now();
    if (spec.op == "get") {
      result = client->batch_get(keys, buffers);
    } else if (spec.op == "set") {
      result = client->batch_set(keys, values);
    } else {
      result = client->batch_exists(keys, {present.get(), per_batch});
    }
    return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
  };
  auto all_transport_failures = [](const BatchResult& r) {
    return !r.keys.empty() && std::all_of(r.keys.begin(), r.keys.end(), [](const KeyOutcome& k) { return transport_failure(k.status); });
  };

  BatchResult result;
  for (int w = 0; w < spec.warmup_batches && !stop_requested_; ++w) {
    run_batch(result);
    if (all_transport_failures(result)) {
      m.failure = "warm-up batch failed: " + result.first_failure();
      return;
    }
  }
  for (int t = 0; t < spec.trials; ++t) {
    TrialFigures trial;
    for (std::size_t b = 0; b < spec.batches(); ++b) {
      if (stop_requested_) {
        m.interrupted = true;
        break;
      }
      const double cpu0 = cpu_seconds_now();
      const double ns = run_batch(result);
      trial.cpu_seconds += cpu_seconds_now() - cpu0;
      trial.seconds += ns / 1e9;
      ++trial.batches;
      m.batch_latency_ns.push_back(ns);
      if (auto stages = client->last_batch_stages()) {
        m.queue_wait_ns.push_back(static_cast<double>(stages->queue_wait_ns));
        m.transfer_ns.push_back(static_cast<double>(stages->transfer_ns));
        m.handoff_ns.push_back(static_cast<double>(stages->handoff_ns));
        m.worker_bytes.resize(std::max(m.worker_bytes.size(), stages->worker_bytes.size()));
        for (std::size_t w = 0; w < stages->worker_bytes.size(); ++w) m.worker_bytes[w] += stages->worker_bytes[w];
      }
      for (std::size_t i = 0; i < result.keys.size(); ++i) {
        const KeyOutcome& k = result.keys[i];
        ++m.status_counts[static_cast<std::size_t>(k.status)];
        if (k.status == KeyStatus::kOk) {
          m.chunk_latency_ns.push_back(static_cast<double>(k.latency_ns));
          bool good = true;
          if (spec.op == "get") {
            if (k.value_size != spec.chunk_size) {
              good = false;  // a generic client may accept a shorter value
            } else if (spec.verify) {
              if (auto at = verify_payload(indexes[i], buffers[i])) {
                good = false;
                if (m.errors.size() < kErrorsKept) {
                  m.errors.push_back("key " + std::string(keys[i]) + ": wrong contents from byte " + std::to_string(*at));
                }
              }
            }
          }
          if (spec.op == "exists" && !present[i]) good = false;
          if (good) {
            trial.bytes += spec.op == "exists" ? 0 : spec.chunk_size;
          } else {
            ++m.verify_failures;
            ++trial.failed_keys;
          }
        } else {
          ++trial.failed_keys;
          if (m.errors.size() < kErrorsKept) {
            m.errors.push_back("key " + std::string(keys[i]) + ": " + std::string(to_string(k.status)) +
                               (k.message.empty() ? "" : ": " + k.message));
          }
        }
      }
      if (all_transport_failures(result)) {
        m.trials.push_back(trial);
        m.failure = "every key of a batch failed: " + result.first_failure();
        m.connections = client->connections();
        return;
      }
    }
    if (trial.batches > 0) m.trials.push_back(trial);
    if (m.interrupted) break;
  }
  m.connections = client->connections();
}

}  // namespace kvslo

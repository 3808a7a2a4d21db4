#include "measure/point_runner.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <thread>

#include "experiment/client_catalog.hpp"
#include "experiment/fields.hpp"
#include "measure/arrival_schedule.hpp"
#include "measure/batch_executor.hpp"
#include "system/interrupted.hpp"
#include "measure/payload.hpp"
#include "measure/server_stats.hpp"

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

PointRunner::PointRunner(net::Endpoint endpoint, const std::atomic<bool>& stop_requested, PeerWire wire)
    : endpoint_(std::move(endpoint)), stop_requested_(stop_requested), peers_{endpoint_, std::move(wire), &stop_requested_} {}

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
  // What the server still does after a load (a BGSAVE its save rules start,
  // lazy freeing) would count against the first point measured: wait for it, bounded.
  last_quiet_wait_ = wait_for_quiet_server(endpoint_, kQuietBudget, stop_requested_);
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
    // redis-py reads and writes kvslo's dataset (so the run drops it like
    // any other); redis-benchmark and iperf3 bring their own; null reads nothing.
    const ClientEntry& client = client_entry(spec.client);
    if (client.reads_kvslo_dataset) ensure_dataset(spec);
    m.quiet_wait = take_quiet_wait();
    if (client.peer()) {
      run_external_peer(spec, peers_, m);
    } else {
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
    if (!client_entry(spec.client).moves_redis_data) return -1;
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
    if (spec.op == Op::kGet) {
      if (k.value_size != spec.chunk_size) {
        wrong = "value of " + std::to_string(k.value_size) + " bytes reported ok";  // a generic client may accept it
      } else if (spec.verifies()) {
        if (auto at = verify_payload(batch.key_index(i), batch.buffer(i))) wrong = "wrong contents from byte " + std::to_string(*at);
      }
    } else if (spec.op == Op::kExists && !batch.present(i)) {
      wrong = "reported absent";
    }
    if (wrong.empty()) {
      trial.bytes += spec.op == Op::kExists ? 0 : spec.chunk_size;
    } else {
      ++m.verify_failures;
      ++trial.failed_keys;
      if (m.errors.size() < kErrorsKept) m.errors.push_back("key " + std::string(batch.key(i)) + ": " + wrong);
    }
  }
}

}  // namespace kvslo

#include "measure/point_session.hpp"

#include <algorithm>
#include <thread>

#include "experiment/client_catalog.hpp"
#include "measure/arrival_schedule.hpp"
#include "measure/batch_executor.hpp"
#include "measure/payload.hpp"
#include "measure/server_stats.hpp"
#include "system/interrupted.hpp"
#include "system/process_cpu.hpp"

namespace kvslo {
namespace {

using Clock = PointSession::Clock;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

bool transport_failure(KeyStatus s) { return s == KeyStatus::kIoError || s == KeyStatus::kTimeout; }

bool all_transport_failures(const BatchResult& r) {
  return !r.keys.empty() &&
         std::all_of(r.keys.begin(), r.keys.end(), [](const KeyOutcome& k) { return transport_failure(k.status); });
}

}  // namespace

PointSession::PointSession(const PointSpec& spec, Clock::time_point origin) : origin_(origin) { m_.spec = spec; }

void PointSession::guarded(const std::function<void()>& what) {
  try {
    what();
  } catch (const Interrupted&) {
    m_.interrupted = true;
  } catch (const std::exception& e) {
    m_.failure = e.what();
  }
}

bool PointSession::can_run_trial() const {
  if (!takes_turns() || !m_.failure.empty() || m_.interrupted || m_.time_limited) return false;
  return !m_.spec.time_limit || spent_ < *m_.spec.time_limit;
}

void PointSession::run_trial(int round) {
  if (!can_run_trial()) return;
  TrialFigures t;
  t.round = round;
  const auto start = Clock::now();
  t.start_seconds = seconds(start - origin_);
  guarded([&] { trial(t); });
  spent_ += Clock::now() - start;
  if (t.batches > 0 || t.seconds > 0) m_.trials.push_back(t);
}

void PointSession::note_rounds_missed(int rounds, bool stopped) {
  if (!takes_turns() || !m_.failure.empty() || m_.interrupted || static_cast<int>(m_.trials.size()) >= rounds) return;
  if (stopped) {
    m_.interrupted = true;
  } else if (m_.spec.time_limit && spent_ >= *m_.spec.time_limit) {
    m_.time_limited = true;
  }
}

PointMeasurement PointSession::finish() {
  guarded([&] { on_finish(); });
  return std::move(m_);
}

namespace {

// One of kvslo's own clients: its connections and buffers stay open between
// its turns, so a trial measures transfers, not set-up.
class ClientSession final : public PointSession {
 public:
  ClientSession(const PointSpec& spec, const net::Endpoint& endpoint, const std::atomic<bool>& stop, Clock::time_point origin,
                KeyShare share, bool reads_server_cpu)
      : PointSession(spec, origin), spec_(spec), endpoint_(endpoint), stop_(stop), schedule_(spec.arrival), share_(share),
        reads_server_cpu_(reads_server_cpu) {
    guarded([&] { open(); });
  }

 private:
  void open() {
    batch_ = std::make_unique<BatchExecutor>(spec_, endpoint_);
    if (const auto* routed = batch_->cluster_client()) m_.cluster.emplace(routed->topology());
    for (int w = 0; w < spec_.warmup_batches && !stop_; ++w) {
      batch_->prepare(next_first());
      BatchResult result = batch_->execute();
      if (all_transport_failures(result)) {
        m_.failure = "warm-up batch failed: " + result.first_failure();
        return;
      }
    }
  }

  std::size_t next_first() {
    const std::size_t first = share_.first + cursor_;  // batches walk the working set (or this rank's share of it)
    cursor_ = (cursor_ + spec_.chunks_per_batch) % share_.count;
    return first;
  }

  // The server's CPU so far, per node of a cluster (empty: the null client
  // has no server, or it cannot say).
  std::vector<NodeCpu> server_cpu() const {
    if (!reads_server_cpu_ || !client_entry(spec_.client).moves_redis_data) return {};
    try {
      return server_cpu_by_node(endpoint_);
    } catch (const std::exception&) {
      return {};  // the batches report their own failures (a killed primary)
    }
  }

  bool out_of_time() const {
    return spec_.time_limit && spent() + (Clock::now() - trial_start_) >= *spec_.time_limit;
  }

  void trial(TrialFigures& trial) override {
    if (!batch_) return;
    trial_start_ = Clock::now();
    const std::vector<NodeCpu> server_cpu0 = server_cpu();
    schedule_.start_trial(Clock::now());
    run_batches(trial);
    if (spec_.arrival.open_loop()) trial.seconds = schedule_.schedule_seconds();
    trial.harness_seconds = schedule_.harness_seconds();
    const std::vector<NodeCpu> server_cpu1 = server_cpu();
    if (const auto spent = cpu_spent(server_cpu0, server_cpu1)) trial.server_cpu_seconds = *spent;
    if (m_.cluster) m_.cluster->add_server_cpu(server_cpu0, server_cpu1);
  }

  void on_finish() override {
    if (batch_) m_.connections = batch_->connections();
    batch_.reset();  // connections and buffers go now, not when the run ends
  }

  // Sleeps until `when`; false (and the point marked) when Ctrl-C or the time limit cut it short.
  bool wait_until(Clock::time_point when) {
    while (Clock::now() < when) {  // in slices, so Ctrl-C and the time limit are honoured
      if (stop_) {
        m_.interrupted = true;
        return false;
      }
      if (out_of_time()) {
        m_.time_limited = true;
        return false;
      }
      std::this_thread::sleep_until(std::min(when, Clock::now() + std::chrono::milliseconds(50)));
    }
    return true;
  }

  void run_batches(TrialFigures& trial) {
    for (std::size_t b = 0; b < share_.batches; ++b) {
      if (stop_) {
        m_.interrupted = true;
        return;
      }
      if (out_of_time() && trial.batches > 0) {
        m_.time_limited = true;
        return;
      }
      batch_->prepare(next_first());
      // The harness waits for the arrival, never the client.
      if (!wait_until(schedule_.next_due())) return;
      const auto woke = Clock::now();
      const double cpu0 = process_cpu_seconds();
      const auto t0 = Clock::now();
      schedule_.issued(woke, t0);
      BatchResult result = batch_->execute();
      const auto t1 = Clock::now();
      trial.cpu_seconds += process_cpu_seconds() - cpu0;
      ++trial.batches;
      // Closed loop: the batch's own time. Open loop: from when it was due, so
      // time queued behind a slow batch counts (no coordinated omission).
      m_.batch_latency_ns.push_back(
          static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(schedule_.batch_done(t0, t1)).count()));
      trial.seconds += seconds(t1 - t0);
      trial.busy_seconds += seconds(t1 - t0);
      record_stages();
      account(result, trial);
      if (trial.window_begin < 0) trial.window_begin = seconds(t0.time_since_epoch());
      trial.window_end = seconds(t1.time_since_epoch());
      trial.batch_marks.emplace_back(trial.window_end, trial.bytes);
      if (all_transport_failures(result)) {
        m_.failure = "every key of a batch failed: " + result.first_failure();
        return;
      }
    }
  }

  void record_stages() {
    const auto stages = batch_->last_batch_stages();
    if (!stages) return;
    m_.queue_wait_ns.push_back(static_cast<double>(stages->queue_wait_ns));
    m_.transfer_ns.push_back(static_cast<double>(stages->transfer_ns));
    m_.handoff_ns.push_back(static_cast<double>(stages->handoff_ns));
    m_.worker_bytes.resize(std::max(m_.worker_bytes.size(), stages->worker_bytes.size()));
    for (std::size_t w = 0; w < stages->worker_bytes.size(); ++w) m_.worker_bytes[w] += stages->worker_bytes[w];
  }

  // The cluster's topology and redirections as the client last saw them.
  void follow_cluster() {
    const auto* routed = batch_->cluster_client();
    if (!routed || !m_.cluster) return;
    const cluster::RedirectCounts counts = batch_->redirects();
    if (counts.refreshes != refreshes_seen_) {
      m_.cluster->use_topology(routed->topology());
      refreshes_seen_ = counts.refreshes;
    }
    m_.cluster->set_redirects(counts);
  }

  void account(const BatchResult& result, TrialFigures& trial) {
    follow_cluster();
    for (std::size_t i = 0; i < result.keys.size(); ++i) {
      const KeyOutcome& k = result.keys[i];
      ++m_.status_counts[static_cast<std::size_t>(k.status)];
      if (k.status != KeyStatus::kOk) {
        if (m_.cluster) m_.cluster->count(batch_->key(i), false, 0, 0);
        ++trial.failed_keys;
        m_.keep_error("key " + std::string(batch_->key(i)) + ": " + std::string(to_string(k.status)) +
                           (k.message.empty() ? "" : ": " + k.message));
        continue;
      }
      m_.chunk_latency_ns.push_back(static_cast<double>(k.latency_ns));
      std::string wrong;
      if (spec_.op == Op::kGet) {
        if (k.value_size != spec_.chunk_size) {
          wrong = "value of " + std::to_string(k.value_size) + " bytes reported ok";  // a generic client may accept it
        } else if (spec_.verifies()) {
          if (auto at = verify_payload(batch_->key_index(i), batch_->buffer(i))) wrong = "wrong contents from byte " + std::to_string(*at);
        }
      } else if (spec_.op == Op::kExists && !batch_->present(i)) {
        wrong = "reported absent";
      }
      const std::uint64_t bytes = spec_.op == Op::kExists ? 0 : spec_.chunk_size;
      if (m_.cluster) m_.cluster->count(batch_->key(i), wrong.empty(), bytes, static_cast<double>(k.latency_ns));
      if (wrong.empty()) {
        trial.bytes += bytes;
      } else {
        ++m_.verify_failures;
        ++trial.failed_keys;
        m_.keep_error("key " + std::string(batch_->key(i)) + ": " + wrong);
      }
    }
  }

  const PointSpec spec_;  // the executor keeps a reference: this copy outlives it
  net::Endpoint endpoint_;
  const std::atomic<bool>& stop_;
  Schedule schedule_;
  std::unique_ptr<BatchExecutor> batch_;
  KeyShare share_;
  bool reads_server_cpu_;
  std::size_t cursor_ = 0;
  Clock::time_point trial_start_;
  std::uint64_t refreshes_seen_ = 0;
};

// A peer run once per trial (iperf3). Each run is a new process with new
// connections, so each warms up again (as it would alone).
class PeerSession final : public PointSession {
 public:
  PeerSession(const PointSpec& spec, const PeerContext& peers, Clock::time_point origin)
      : PointSession(spec, origin), peers_(peers) {}

 private:
  void trial(TrialFigures& trial) override {
    PointSpec one = m_.spec;
    one.trials = 1;
    PointMeasurement run;
    run.spec = one;
    try {
      run_external_peer(one, peers_, run);
    } catch (...) {
      merge(m_, run, trial);  // whatever the run measured is kept, even when it then failed
      throw;
    }
    merge(m_, run, trial);
  }

  static void merge(PointMeasurement& m, PointMeasurement& run, TrialFigures& trial) {
    if (!run.trials.empty()) {
      const int round = trial.round;
      const double start = trial.start_seconds;
      trial = run.trials.front();
      trial.round = round;
      trial.start_seconds = start;
    }
    auto append = [](std::vector<double>& to, const std::vector<double>& from) { to.insert(to.end(), from.begin(), from.end()); };
    append(m.batch_latency_ns, run.batch_latency_ns);
    append(m.chunk_latency_ns, run.chunk_latency_ns);
    for (std::size_t s = 0; s < m.status_counts.size(); ++s) m.status_counts[s] += run.status_counts[s];
    m.verify_failures += run.verify_failures;
    for (auto& e : run.errors) m.keep_error(std::move(e));
    if (!m.peer.is_object()) {
      m.peer = run.peer;
    } else if (run.peer.is_object()) {
      for (const auto& [key, value] : run.peer.items()) {
        if (value.is_array() && m.peer.contains(key) && m.peer[key].is_array()) {
          for (const auto& v : value) m.peer[key].push_back(v);  // one entry per run: iperf3's runs, its reports
        }
      }
    }
    if (!run.failure.empty()) m.failure = run.failure;
    m.interrupted = m.interrupted || run.interrupted;
    m.time_limited = m.time_limited || run.time_limited;
  }

  const PeerContext& peers_;
};

// A peer measured whole when opened: redis-benchmark loads its own dataset
// for each run, and a load between other points' trials would be measured
// as their noise. Its trials run back to back, unpaired.
class WholePeerSession final : public PointSession {
 public:
  WholePeerSession(const PointSpec& spec, const PeerContext& peers, Clock::time_point origin) : PointSession(spec, origin) {
    guarded([&] { run_external_peer(m_.spec, peers, m_); });
  }
  bool takes_turns() const override { return false; }

 private:
  void trial(TrialFigures&) override {}
};

class FailedSession final : public PointSession {
 public:
  FailedSession(const PointSpec& spec, std::string failure, bool interrupted, Clock::time_point origin)
      : PointSession(spec, origin) {
    m_.failure = std::move(failure);
    m_.interrupted = interrupted;
  }

 private:
  void trial(TrialFigures&) override {}
};

}  // namespace

std::unique_ptr<PointSession> open_client_session(const PointSpec& spec, const net::Endpoint& endpoint,
                                                  const std::atomic<bool>& stop, Clock::time_point origin,
                                                  std::optional<KeyShare> share, bool reads_server_cpu) {
  return std::make_unique<ClientSession>(spec, endpoint, stop, origin, share.value_or(whole_working_set(spec)),
                                         reads_server_cpu);
}

std::unique_ptr<PointSession> open_peer_session(const PointSpec& spec, const PeerContext& peers, Clock::time_point origin) {
  if (client_entry(spec.client).loads_own_dataset) return std::make_unique<WholePeerSession>(spec, peers, origin);
  if (spec.client == "redis-py") return open_redis_py_session(spec, peers, origin);
  if (spec.client == "tiled-py") return open_tiled_py_session(spec, peers, origin);
  return std::make_unique<PeerSession>(spec, peers, origin);
}

std::unique_ptr<PointSession> failed_session(const PointSpec& spec, std::string failure, bool interrupted, Clock::time_point origin) {
  return std::make_unique<FailedSession>(spec, std::move(failure), interrupted, origin);
}

}  // namespace kvslo

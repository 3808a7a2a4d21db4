#pragma once
// Measures one point against a running Redis: makes sure the working set is
// there, warms up, runs the timed trials, verifies what came back, and
// returns the figures (or why it could not).

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataset.hpp"
#include "kv_client.hpp"
#include "peers.hpp"
#include "point_spec.hpp"
#include "slo.hpp"

namespace kvslo {

struct TrialFigures {
  std::uint64_t bytes = 0;  // payload bytes of keys that succeeded
  double seconds = 0;       // wall time of the timed batches (open loop: the schedule's span)
  double busy_seconds = 0;  // time inside the client's batch calls
  double harness_seconds = 0;  // harness work between batches, kept out of `seconds` and latencies
  double cpu_seconds = 0;   // user + system CPU of this process during them
  double server_cpu_seconds = -1;  // the Redis server's CPU over the trial (-1: not known)
  std::size_t batches = 0;
  std::size_t failed_keys = 0;
  double gbps() const { return seconds > 0 ? static_cast<double>(bytes) / seconds / 1e9 : 0; }
};

struct PointFigures;

struct PointMeasurement {
  PointSpec spec;
  std::vector<TrialFigures> trials;
  std::vector<double> batch_latency_ns;
  std::vector<double> chunk_latency_ns;
  // Clients that record stages (tiled): per timed batch, and bytes per worker.
  std::vector<double> queue_wait_ns, transfer_ns, handoff_ns;
  std::vector<std::uint64_t> worker_bytes;
  std::array<std::size_t, kKeyStatusCount> status_counts{};
  std::size_t verify_failures = 0;
  std::vector<std::string> errors;  // the first few, with their keys
  std::vector<ConnectionInfo> connections;
  nlohmann::json peer;  // peers: the tool, its command and what it reported (null for kvslo's clients)
  std::string failure;  // why the point could not be measured at all
  bool interrupted = false;
  bool time_limited = false;  // the point's time limit cut its trials short

  std::size_t failed_keys() const;
  // The point's outcome, defined once: "interrupted", "failed" (it could not
  // be measured, or a key failed or came back wrong), or "ok".
  std::string status() const;
  // Only a point that succeeded may be a client's "best" or compete in a bar.
  bool succeeded() const { return status() == "ok" && !trials.empty(); }
  // Socket buffer requests the kernel capped, one line each.
  std::vector<std::string> buffer_warnings() const;
  // Share of timed batches whose latency is within `bound_ms` (0 when none ran).
  double attainment(double bound_ms) const;
  double median_gbps() const;
  // Client CPU seconds per GB over the trials (-1 when they moved no bytes).
  double cpu_seconds_per_gb() const;
  // Cores the Redis server kept busy during the timed trials (its CPU
  // seconds over their wall time; near 1.0 its one thread was the limit).
  // -1 when not known (iperf3, the null client).
  double server_busy() const;
  nlohmann::json to_json(const Slo& slo) const;
  PointFigures figures() const;
};

class PointRunner {
 public:
  // `peers` tells external peers where the wire is; its endpoint and stop are filled in here.
  PointRunner(net::Endpoint endpoint, const std::atomic<bool>& stop_requested, PeerContext peers = {});
  // Deletes the dataset `spec` reads (its keys only, never anything else), so
  // a sweep over chunk sizes holds one dataset at a time.
  void drop_dataset(const PointSpec& spec);
  // Deletes every dataset this runner wrote, even in part (an interrupted
  // load, a failed point): called on every way out of a run. Returns one
  // line per dataset that could not be deleted (a dead server), with why.
  std::vector<std::string> drop_all_datasets();
  // A new server (restarted with other settings): datasets load again.
  void use_server(net::Endpoint endpoint) {
    endpoint_ = std::move(endpoint);
    peers_.endpoint = endpoint_;
    written_.clear();
    loaded_.clear();
  }

  PointMeasurement run(const PointSpec& spec);

 private:
  void ensure_dataset(const PointSpec& spec);
  ChunkSet dataset(const PointSpec& spec) const;
  void measure(const PointSpec& spec, PointMeasurement& m);
  void run_trial(const PointSpec& spec, class BatchExecutor& batch, class Schedule& schedule,
                 const std::function<std::size_t()>& next_first, std::chrono::steady_clock::time_point point_start,
                 TrialFigures& trial, PointMeasurement& m);
  // Sleeps until `when`; false (and m marked) when Ctrl-C or the time limit cut it short.
  bool wait_until(std::chrono::steady_clock::time_point when, const PointSpec& spec,
                  std::chrono::steady_clock::time_point point_start, PointMeasurement& m) const;
  static void record_stages(const class BatchExecutor& batch, PointMeasurement& m);
  static void account(const PointSpec& spec, const class BatchExecutor& batch, const BatchResult& result,
                      TrialFigures& trial, PointMeasurement& m);

  net::Endpoint endpoint_;
  const std::atomic<bool>& stop_requested_;
  PeerContext peers_;
  std::map<std::string, PointSpec> written_;  // by dataset_identity: datasets kvslo began to write (and must delete)
  std::set<std::string> loaded_;              // datasets written completely
};

}  // namespace kvslo

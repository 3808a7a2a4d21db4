#pragma once
// What measuring one point produced: its trials, latencies, key counts and
// errors, or why it could not be measured. The runner and the peers fill it
// in; what the run makes of it (status, SLO verdict) is its PointOutcome.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "batch_result.hpp"
#include "experiment/point_spec.hpp"
#include "experiment/slo.hpp"
#include "kv_client.hpp"
#include "measure/server_quiet.hpp"
#include "measure/shard_ledger.hpp"

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
  int round = -1;              // the round it ran in (interleaved points share rounds); -1: none
  double start_seconds = -1;   // when it started, from the run's start
  // When its first batch began and its last ended, on the steady clock
  // (seconds since its epoch), and after each batch the verified bytes so
  // far: ranks under mpirun line their trials up on one clock with them.
  // Only kvslo's own clients fill them in (-1, empty: not known).
  double window_begin = -1, window_end = -1;
  std::vector<std::pair<double, std::uint64_t>> batch_marks;  // (batch end, bytes so far)
  double gbps() const { return seconds > 0 ? static_cast<double>(bytes) / seconds / 1e9 : 0; }
};

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
  // tiled-py: its process (interpreter, command, module) and the boundary's
  // figures (wakeups per batch, Python time per batch); null for the others.
  nlohmann::json boundary;
  // Under mpirun: each rank's share of every trial, and the fleet's (null alone).
  nlohmann::json fleet;
  // Over a cluster: what each shard served, and the redirections followed.
  std::optional<ShardLedger> cluster;
  std::string failure;  // why the point could not be measured at all
  int turn_group = -1;  // points with the same group (>= 0) took turns by round: their trials pair
  bool interrupted = false;
  bool time_limited = false;  // the point's time limit cut its trials short
  std::optional<QuietWait> quiet_wait;  // the wait for a quiet server after this point's dataset load

  // Keeps `error` if fewer than the first few are kept already.
  void keep_error(std::string error);
  std::size_t failed_keys() const;
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
  // The Redis server's CPU seconds per GB moved over the trials: what a byte
  // costs the server, which GB/s alone hides (a client whose reads make the
  // server work harder pays for it on a busier server). -1 when not known.
  double server_cpu_seconds_per_gb() const;
  // The measurement's fields of a point's results entry; the point's
  // outcome ("status", "slo", "outcome") and what the run knows around it
  // are added by point_entry(). `slo` gives attainment's latency bound.
  nlohmann::json to_json(const Slo& slo) const;
  PointFigures figures() const;
};

}  // namespace kvslo

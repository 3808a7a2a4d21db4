#pragma once
// Measures one point against a running Redis: makes sure the working set is
// there, warms up, runs the timed trials, verifies what came back, and
// returns the figures (or why it could not).

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "experiment/point_spec.hpp"
#include "kv_client.hpp"
#include "measure/dataset.hpp"
#include "measure/peers/peers.hpp"
#include "measure/point_measurement.hpp"
#include "measure/server_quiet.hpp"

namespace kvslo {

class PointRunner {
 public:
  // `wire` tells the iperf3 peer where the wire is; the runner gives every peer its endpoint and stop.
  PointRunner(net::Endpoint endpoint, const std::atomic<bool>& stop_requested, PeerWire wire = {});
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
  // The wait for a quiet server after the last dataset load, once: a point
  // that loaded its dataset records it, the points after it do not.
  std::optional<QuietWait> take_quiet_wait() { return std::exchange(last_quiet_wait_, std::nullopt); }

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
  std::optional<QuietWait> last_quiet_wait_;  // after the last load, until a point takes it
};

}  // namespace kvslo

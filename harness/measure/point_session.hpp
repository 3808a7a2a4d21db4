#pragma once
// One point being measured, one trial at a time: opened (connections,
// buffers, warm-up), then asked for trials in turn, so that the points of a
// comparison can take turns round by round (interleaving) and host drift
// falls on all of them alike. A session never throws: what went wrong is in
// its measurement (failure, interrupted, time limited), as for any point.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "measure/key_share.hpp"
#include "measure/peers/peers.hpp"
#include "measure/point_measurement.hpp"

namespace kvslo {

class PointSession {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~PointSession() = default;
  PointSession(const PointSession&) = delete;
  PointSession& operator=(const PointSession&) = delete;

  // Whether another trial may run: no failure, no Ctrl-C, time left, and the
  // point takes turns at all.
  bool can_run_trial() const;
  // Runs one timed trial and stamps it with its round and start time.
  void run_trial(int round);
  // False for a point measured whole when it was opened (a peer that loads
  // its own dataset per run): it has no rounds to pair.
  virtual bool takes_turns() const { return true; }
  const PointMeasurement& measurement() const { return m_; }
  // The wait for a quiet server after the dataset load this point caused, if it did.
  void note_quiet_wait(std::optional<QuietWait> wait) { m_.quiet_wait = std::move(wait); }
  // Says why the point has fewer than `rounds` trials: Ctrl-C (`stopped`)
  // ended its group's rounds, or its time limit did.
  void note_rounds_missed(int rounds, bool stopped);
  // The measurement, with the client's connections; the session is done.
  PointMeasurement finish();

 protected:
  // `origin`: the run's clock origin, which trial start times count from.
  PointSession(const PointSpec& spec, Clock::time_point origin);
  // One trial into `trial`; may throw (kept in the measurement by run_trial).
  virtual void trial(TrialFigures& trial) = 0;
  virtual void on_finish() {}
  // Runs `what`, keeping an exception as the point's failure or interruption.
  void guarded(const std::function<void()>& what);
  // Time this point has spent in its own trials (its time limit counts only that).
  Clock::duration spent() const { return spent_; }

  PointMeasurement m_;

 private:
  Clock::time_point origin_;
  Clock::duration spent_{};
};

// A session of one of kvslo's own clients against `endpoint` (warm-up runs here).
// `share`: the keys it reads (default: the whole working set). Without
// `reads_server_cpu` its trials leave the server's CPU to the caller (rank 0
// of an mpirun reads it around every rank's trial).
std::unique_ptr<PointSession> open_client_session(const PointSpec& spec, const net::Endpoint& endpoint,
                                                  const std::atomic<bool>& stop, PointSession::Clock::time_point origin,
                                                  std::optional<KeyShare> share = std::nullopt, bool reads_server_cpu = true);
// A session of a client in another process: one process serving every trial (redis-py, tiled-py),
// one run of the peer per trial (iperf3), or, for a peer that loads its own
// dataset per run, every trial at once when opened (redis-benchmark).
std::unique_ptr<PointSession> open_peer_session(const PointSpec& spec, const PeerContext& peers,
                                                PointSession::Clock::time_point origin);
// The Python points' sessions: the redis-py peer (peers/peer_redis_py.cpp)
// and tiled-py, kvslo's tiled core driven from asyncio (peers/tiled_py_point.cpp).
std::unique_ptr<PointSession> open_redis_py_session(const PointSpec& spec, const PeerContext& peers,
                                                    PointSession::Clock::time_point origin);
std::unique_ptr<PointSession> open_tiled_py_session(const PointSpec& spec, const PeerContext& peers,
                                                    PointSession::Clock::time_point origin);
// A point that could not even be opened (its dataset, a refused setting).
std::unique_ptr<PointSession> failed_session(const PointSpec& spec, std::string failure, bool interrupted,
                                             PointSession::Clock::time_point origin);

}  // namespace kvslo

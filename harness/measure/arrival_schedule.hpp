#pragma once
// The arrival schedule of one point's batches (its --arrival): when each
// batch is due, each batch's latency, and the trial's span, with the
// harness's own work kept out of both.

#include <algorithm>
#include <chrono>
#include <random>

#include "experiment/point_spec.hpp"

namespace kvslo {

// When each batch starts. Closed loop: as soon as the last one ended.
// Open loop: batch i is due at the trial's start plus the sum of inter-arrival
// gaps, on a clock that stops while harness work (poisoning, verifying,
// bookkeeping) runs past a batch's due time: a run behind schedule would
// otherwise count that work in the next batch's latency and the trial's
// time. Harness work done while ahead of schedule fits in the idle time and
// moves nothing, so the offered rate stays the stated one.
class Schedule {
 public:
  using Clock = std::chrono::steady_clock;

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
    const double seconds = arrival_.mode == ArrivalMode::kPoisson ? poisson_(rng_) : 1.0 / arrival_.rate_per_s;
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  }
  const Arrival& arrival_;
  std::mt19937_64 rng_;
  std::exponential_distribution<double> poisson_;
  Clock::time_point start_, due_, mark_, harness_from_, last_end_;
  Clock::duration paused_{};
  bool first_ = true;
};

}  // namespace kvslo

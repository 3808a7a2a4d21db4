#include "fleet/fleet_follow.hpp"

#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "exit_codes.hpp"
#include "fleet/fleet_messages.hpp"
#include "fleet/rank_host.hpp"
#include "measure/key_share.hpp"
#include "measure/point_session.hpp"

namespace kvslo::fleet {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Rank 0 may load a large dataset between two messages; an hour without a
// word means it is gone (under mpirun's defaults the job ends sooner).
constexpr milliseconds kIdleTimeout{3'600'000};
constexpr milliseconds kSendTimeout{60'000};
constexpr int kClockExchanges = 16;  // as rank 0 asks (fleet_lead.cpp)

class Follower {
 public:
  Follower(MpiLink& link, const std::vector<PointSpec>& points, const std::atomic<bool>& stop)
      : link_(link), points_(points), stop_(stop), origin_(Clock::now()) {}

  int run() {
    for (;;) {
      const nlohmann::json message = unpack(link_.receive(0, kIdleTimeout));
      const std::string what = message.at("do");
      if (what == "quit") return kExitOk;
      if (what == "meet") {
        meet(message);
      } else if (what == "open") {
        open(message);
      } else if (what == "trial") {
        trial(message);
      } else if (what == "trial_done") {
        const WaitTally waited = link_.take_waits();
        link_.send(0, pack({{"waited_s", waited.seconds}, {"waited_cpu_s", waited.cpu_seconds}}), kSendTimeout);
      } else if (what == "finish") {
        finish(message);
      } else {
        throw std::runtime_error("rank 0 asked for '" + what + "', which this kvslo does not know (the same kvslo on every rank?)");
      }
    }
  }

 private:
  void meet(const nlohmann::json& message) {
    link_.send(0, pack({{"host", describe_this_rank()}, {"points", points_fingerprint(points_)}}), kSendTimeout);
    if (message.at("points") != points_fingerprint(points_)) {
      throw std::runtime_error("this rank expanded the scenario into other points than rank 0");
    }
    // Rank 0 reads this clock's offset from its own: answers at once (polling
    // without sleeps, which would be measured as round-trip time).
    for (int k = 0; k < kClockExchanges; ++k) {
      const nlohmann::json clock = unpack(link_.receive(0, kSendTimeout, nullptr, true));
      if (clock.at("do") != "clock") throw std::runtime_error("rank 0 did not compare clocks");
      const double now = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
      link_.send(0, pack({{"now", now}}), kSendTimeout, true);
    }
  }

  // The points open at once (points taking turns are opened together), by their place in the list.
  struct OpenPoint {
    std::unique_ptr<PointSession> session;  // null: this rank sits the point out
    int ranks = 0;
  };

  void open(const nlohmann::json& message) {
    const std::size_t index = message.at("point");
    OpenPoint& point = open_[index];
    point.ranks = message.at("ranks");
    if (link_.rank() >= point.ranks) {
      link_.send(0, pack({{"sits_out", true}}), kSendTimeout);
      return;
    }
    const PointSpec& spec = points_.at(index);
    std::string failure;
    try {
      point.session = open_client_session(spec, endpoint_from(message.at("endpoint")), stop_, origin_,
                                          key_share(spec, link_.rank(), point.ranks), false);
      failure = point.session->measurement().failure;
    } catch (const std::exception& e) {
      failure = e.what();
    }
    link_.send(0, pack({{"failure", failure}}), kSendTimeout);
  }

  void trial(const nlohmann::json& message) {
    const OpenPoint& point = open_.at(message.at("point"));
    if (link_.rank() >= point.ranks) {
      // Sits the trial out: what waiting for rank 0's "trial_done" costs is
      // the idle rank's share of the trial.
      link_.take_waits();
      return;
    }
    nlohmann::json report = nlohmann::json::object();
    PointSession* session = point.session.get();
    if (session && session->can_run_trial()) {
      const double start = message.at("start");
      std::this_thread::sleep_until(Clock::time_point(
          std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(start))));
      const std::size_t had = session->measurement().trials.size();
      session->run_trial(message.at("round"));
      if (session->measurement().trials.size() > had) report["trial"] = trial_message(session->measurement().trials.back());
    }
    if (session) {
      const PointMeasurement& m = session->measurement();
      report["failure"] = m.failure;
      report["interrupted"] = m.interrupted;
      report["time_limited"] = m.time_limited;
    } else {
      report["failure"] = "not opened";
    }
    link_.send(0, pack(report), kSendTimeout);
  }

  void finish(const nlohmann::json& message) {
    const auto it = open_.find(message.at("point"));
    nlohmann::json answer = nlohmann::json::object();
    if (it != open_.end() && it->second.session) {
      const PointMeasurement m = it->second.session->finish();
      answer["measurement"] = measurement_message(m);
      answer["connections"] = m.connections.size();
    }
    if (it != open_.end()) open_.erase(it);  // connections and buffers go before the next point
    const WaitTally waited = link_.take_waits();
    answer["waited_s"] = waited.seconds;
    answer["waited_cpu_s"] = waited.cpu_seconds;
    link_.send(0, pack(answer), kSendTimeout);
  }

  MpiLink& link_;
  const std::vector<PointSpec>& points_;
  const std::atomic<bool>& stop_;
  Clock::time_point origin_;
  std::map<std::size_t, OpenPoint> open_;
};

}  // namespace

int follow_rank_zero(MpiLink& link, const std::vector<PointSpec>& points, const std::atomic<bool>& stop) {
  try {
    return Follower(link, points, stop).run();
  } catch (const std::exception& e) {
    std::cerr << "kvslo rank " << link.rank() << ": " << e.what() << "\n";
    link.abort(kExitInfrastructure);
  }
}

}  // namespace kvslo::fleet

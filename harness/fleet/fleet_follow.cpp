#include "fleet/fleet_follow.hpp"

#include <cstdlib>
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

// Rank 0 says nothing while it loads a dataset, measures the wire or runs a
// peer point alone; six hours without a word means it is gone (under
// mpirun's defaults the job ends as soon as it dies).
constexpr milliseconds kIdleTimeout{6 * 3'600'000};
constexpr milliseconds kSendTimeout{60'000};
constexpr int kClockExchanges = 16;  // as rank 0 asks (fleet_lead.cpp)

double now_seconds() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

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
      } else if (what == "clock_sync") {
        answer_clock();
      } else if (what == "open") {
        open(message);
      } else if (what == "trial") {
        trial(message);
      } else if (what == "report") {
        report(message);
      } else if (what == "trial_done") {
        const WaitTally waited = link_.take_waits();
        answer("idle", message, {{"waited_s", waited.seconds}, {"waited_cpu_s", waited.cpu_seconds}});
      } else if (what == "finish") {
        finish(message);
      } else {
        throw std::runtime_error("rank 0 asked for '" + what + "', which this kvslo does not know (the same kvslo on every rank?)");
      }
    }
  }

 private:
  void answer(const std::string& kind, const nlohmann::json& message, nlohmann::json body) {
    body["kind"] = kind;
    body["point"] = message.at("point");
    link_.send(0, pack(body), kSendTimeout);
  }

  void meet(const nlohmann::json& message) {
    const bool same = message.at("points") == points_fingerprint(points_);
    link_.send(0, pack({{"host", with_password_variable(describe_this_rank())}, {"points", points_fingerprint(points_)}}),
               kSendTimeout);
    // Points that differ: rank 0 names this rank and ends the job (waiting, not ending it first).
    if (same) answer_clock();
  }

  static nlohmann::json with_password_variable(nlohmann::json host) {
    host["has_password_variable"] = std::getenv("KVSLO_REDIS_PASSWORD") != nullptr;
    return host;
  }

  // Rank 0 reads this clock's offset from its own: answers at once, polling
  // without sleeps (a sleep would be measured as round-trip time).
  void answer_clock() {
    for (int k = 0; k < kClockExchanges; ++k) {
      const nlohmann::json clock = unpack(link_.receive(0, kSendTimeout, nullptr, true));
      if (clock.at("do") != "clock") throw std::runtime_error("rank 0 did not compare clocks");
      link_.send(0, pack({{"now", now_seconds()}}), kSendTimeout, true);
    }
  }

  // The points open at once (points taking turns are opened together), by their place in the list.
  struct OpenPoint {
    std::unique_ptr<PointSession> session;  // null: this rank sits the point out, or could not open it
    int ranks = 0;
    std::string failure;
  };

  void open(const nlohmann::json& message) {
    const std::size_t index = message.at("point");
    OpenPoint& point = open_[index];
    point = OpenPoint{};
    point.ranks = message.at("ranks");
    if (link_.rank() >= point.ranks) {
      answer("open", message, {{"sits_out", true}});
      return;
    }
    try {
      const PointSpec& spec = points_.at(index);
      net::Endpoint endpoint = endpoint_from(message.at("endpoint"));
      if (endpoint.password.empty()) {
        // Between hosts the password is not sent: this rank's own environment has it.
        if (const char* password = std::getenv("KVSLO_REDIS_PASSWORD")) endpoint.password = password;
      }
      point.session = open_client_session(spec, endpoint, stop_, origin_, key_share(spec, link_.rank(), point.ranks), false);
      point.failure = point.session->measurement().failure;
    } catch (const std::exception& e) {
      point.failure = e.what();
    }
    answer("open", message, {{"failure", point.failure}});
  }

  // Runs the trial at the instant rank 0 named, then says "done" (a few
  // bytes) and keeps its figures until rank 0 asks for them.
  void trial(const nlohmann::json& message) {
    OpenPoint& point = open_.at(message.at("point"));
    if (link_.rank() >= point.ranks) {
      // Sits the trial out: what waiting for rank 0's "trial_done" costs is
      // the idle rank's share of the trial.
      link_.take_waits();
      return;
    }
    last_trial_ = nlohmann::json::object();
    PointSession* session = point.session.get();
    if (session && session->can_run_trial()) {
      const double start = message.at("start");
      std::this_thread::sleep_until(Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(start))));
      const std::size_t had = session->measurement().trials.size();
      session->run_trial(message.at("round"));
      if (session->measurement().trials.size() > had) last_trial_["trial"] = trial_message(session->measurement().trials.back());
    }
    if (session) {
      const PointMeasurement& m = session->measurement();
      last_trial_["failure"] = m.failure;
      last_trial_["interrupted"] = m.interrupted;
      last_trial_["time_limited"] = m.time_limited;
    } else {
      last_trial_["failure"] = point.failure.empty() ? "not opened" : point.failure;
    }
    answer("done", message, nlohmann::json::object());
  }

  void report(const nlohmann::json& message) { answer("report", message, std::exchange(last_trial_, nlohmann::json::object())); }

  void finish(const nlohmann::json& message) {
    const auto it = open_.find(message.at("point"));
    nlohmann::json body = nlohmann::json::object();
    if (it != open_.end() && it->second.session) {
      const PointMeasurement m = it->second.session->finish();
      body["measurement"] = measurement_message(m);
      body["connections"] = m.connections.size();
    }
    if (it != open_.end()) open_.erase(it);  // connections and buffers go before the next point
    const WaitTally waited = link_.take_waits();
    body["waited_s"] = waited.seconds;
    body["waited_cpu_s"] = waited.cpu_seconds;
    answer("finish", message, std::move(body));
  }

  MpiLink& link_;
  const std::vector<PointSpec>& points_;
  const std::atomic<bool>& stop_;
  Clock::time_point origin_;
  std::map<std::size_t, OpenPoint> open_;
  nlohmann::json last_trial_ = nlohmann::json::object();  // the last trial's report, until rank 0 asks
};

}  // namespace

int follow_rank_zero(MpiLink& link, const std::vector<PointSpec>& points, const std::atomic<bool>& stop) {
  try {
    return Follower(link, points, stop).run();
  } catch (const RankLost& e) {
    std::cerr << "kvslo rank " << link.rank() << ": rank 0 " << e.what() << "\n";
    link.abort(kExitInfrastructure);
  } catch (const std::exception& e) {
    std::cerr << "kvslo rank " << link.rank() << ": " << e.what() << "\n";
    link.abort(kExitInfrastructure);
  }
}

}  // namespace kvslo::fleet

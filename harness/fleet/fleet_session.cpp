#include "fleet/fleet_session.hpp"

#include <thread>

#include "experiment/client_catalog.hpp"
#include "fleet/fleet_messages.hpp"
#include "fleet/fleet_trial.hpp"
#include "measure/server_stats.hpp"
#include "system/interrupted.hpp"

namespace kvslo::fleet {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kSendTimeout{10'000};
constexpr milliseconds kAnswerTimeout{60'000};  // for an answer a rank gives at once

double seconds_of(Clock::time_point t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); }

// Rank 0's side of a point, one exchange after another: each exchange is
// finished (every answer read, checked for its kind and point) before the
// next starts, so points opened together (taking turns) cannot mix answers.
class FleetSession final : public PointSession {
 public:
  FleetSession(FleetLead& lead, const PointSpec& spec, std::size_t index, const net::Endpoint& endpoint,
               const std::function<std::unique_ptr<PointSession>(const KeyShare&)>& open_local, Clock::time_point origin)
      : PointSession(spec, origin), lead_(lead), endpoint_(endpoint), index_(index), ranks_(lead.participants(spec)) {
    record_ = {{"ranks", ranks_}, {"world", lead.size()}, {"keys", to_string(spec.fleet_keys)},
               {"trials", nlohmann::json::array()}};
    guarded([&] { open(open_local); });
  }

 private:
  void open(const std::function<std::unique_ptr<PointSession>(const KeyShare&)>& open_local) {
    talk([&] {
      // Steady clocks of different hosts drift apart: their offsets are read again for every point.
      record_["clock_offsets_s"] = lead_.sync_clocks();
      for (int r = 1; r < lead_.size(); ++r) {
        lead_.link().send(r, pack({{"do", "open"}, {"point", index_}, {"ranks", ranks_},
                                   {"endpoint", endpoint_message(endpoint_, lead_.shares_password())}}),
                          kSendTimeout);
      }
    });
    const auto t0 = Clock::now();
    local_ = open_local(key_share(m_.spec, 0, ranks_));  // warms up while the others do
    const auto own = Clock::now() - t0;
    talk([&] {
      for (int r = 1; r < lead_.size(); ++r) {
        const nlohmann::json answer = expect(r, "open", patience(own));
        if (const std::string failure = answer.value("failure", std::string()); !failure.empty()) fail(lead_.who(r) + ": " + failure);
      }
    });
    adopt_local_outcome();
  }

  void trial(TrialFigures& trial) override {
    if (!local_ || lead_.lost()) return;
    const bool reads_server = client_entry(m_.spec.client).moves_redis_data;
    const std::vector<NodeCpu> server_cpu0 = reads_server ? server_cpu() : std::vector<NodeCpu>{};
    // One instant on rank 0's clock for every rank: far enough ahead that
    // each has its message and is sleeping towards it.
    const auto start = Clock::now() + milliseconds(10 + lead_.size());
    talk([&] {
      for (int r = 1; r < lead_.size(); ++r) {
        lead_.link().send(r, pack({{"do", "trial"}, {"point", index_}, {"round", trial.round},
                                   {"start", lead_.from_lead_clock(r, seconds_of(start))}}),
                          kSendTimeout);
      }
    });
    if (lead_.lost()) return;
    std::this_thread::sleep_until(start);
    const std::size_t had = local_->measurement().trials.size();
    const auto t0 = Clock::now();
    local_->run_trial(trial.round);
    const auto own = Clock::now() - t0;
    std::vector<RankTrial> ran;
    if (local_->measurement().trials.size() > had) ran.push_back({0, local_->measurement().trials.back()});
    nlohmann::json idle = nlohmann::json::array();
    talk([&] {
      // First every rank's one-word "done" (a few bytes), then the reports:
      // a rank that finished early sends nothing large while others are timed.
      for (int r = 1; r < ranks_; ++r) expect(r, "done", patience(own));
      for (int r = 1; r < ranks_; ++r) {
        lead_.link().send(r, pack({{"do", "report"}, {"point", index_}}), kSendTimeout);
        const nlohmann::json report = expect(r, "report", kAnswerTimeout);
        if (report.contains("trial")) ran.push_back({r, on_lead_clock(r, trial_from(report["trial"]))});
        if (const std::string failure = report.value("failure", std::string()); !failure.empty()) fail(lead_.who(r) + ": " + failure);
        if (report.value("interrupted", false)) m_.interrupted = true;
        if (report.value("time_limited", false)) m_.time_limited = true;
      }
      // The ranks that sat the trial out say what waiting through it cost them
      // (an idle rank must not spin: its CPU here is near zero).
      for (int r = ranks_; r < lead_.size(); ++r) {
        lead_.link().send(r, pack({{"do", "trial_done"}, {"point", index_}}), kSendTimeout);
        const nlohmann::json waited = expect(r, "idle", kAnswerTimeout);
        idle.push_back({{"rank", r}, {"seconds", waited.at("waited_s")}, {"cpu_seconds", waited.at("waited_cpu_s")}});
      }
    });
    adopt_local_outcome();
    // A trial some rank did not run (stopped, out of time, failed) is no trial of the fleet.
    if (static_cast<int>(ran.size()) < ranks_) {
      if (m_.failure.empty() && !m_.interrupted && !m_.time_limited) {
        fail(std::to_string(ranks_ - static_cast<int>(ran.size())) + " of " + std::to_string(ranks_) +
             " ranks did not run round " + std::to_string(trial.round));
      }
      return;
    }
    const int round = trial.round;
    const double start_seconds = trial.start_seconds;
    FleetTrial combined = combine_trial(ran, seconds_of(start));
    trial = combined.aggregate;
    trial.round = round;
    trial.start_seconds = start_seconds;
    if (reads_server) {
      if (const auto spent = cpu_spent(server_cpu0, server_cpu())) trial.server_cpu_seconds = *spent;
    }
    combined.record["round"] = round;
    if (!idle.empty()) combined.record["idle_ranks"] = std::move(idle);
    record_["trials"].push_back(std::move(combined.record));
  }

  void on_finish() override {
    PointMeasurement local = local_ ? local_->finish() : PointMeasurement{};
    local_.reset();
    nlohmann::json waits = nlohmann::json::array();
    const WaitTally own = lead_.link().take_waits();
    waits.push_back({{"rank", 0}, {"seconds", own.seconds}, {"cpu_seconds", own.cpu_seconds}});
    merge_local(local);
    talk([&] {
      for (int r = 1; r < lead_.size(); ++r) lead_.link().send(r, pack({{"do", "finish"}, {"point", index_}}), kSendTimeout);
      for (int r = 1; r < lead_.size(); ++r) {
        const nlohmann::json answer = expect(r, "finish", kAnswerTimeout);
        if (answer.contains("measurement")) merge_measurement(answer["measurement"], lead_.who(r), m_);
        waits.push_back({{"rank", r}, {"seconds", answer.at("waited_s")}, {"cpu_seconds", answer.at("waited_cpu_s")},
                         {"connections", answer.value("connections", 0)}});
      }
    });
    record_["waiting"] = std::move(waits);
    m_.fleet = std::move(record_);
  }

  TrialFigures on_lead_clock(int rank, TrialFigures t) const {
    t.window_begin = lead_.on_lead_clock(rank, t.window_begin);
    t.window_end = lead_.on_lead_clock(rank, t.window_end);
    for (auto& mark : t.batch_marks) mark.first = lead_.on_lead_clock(rank, mark.first);
    return t;
  }

  // Rank 0's own session: its samples, statuses and connections become the
  // fleet's first (its tiled stages and per-worker bytes are rank 0's alone).
  void merge_local(PointMeasurement& local) {
    auto append = [](std::vector<double>& to, std::vector<double>& from) { to.insert(to.end(), from.begin(), from.end()); };
    append(m_.batch_latency_ns, local.batch_latency_ns);
    append(m_.chunk_latency_ns, local.chunk_latency_ns);
    m_.queue_wait_ns = std::move(local.queue_wait_ns);
    m_.transfer_ns = std::move(local.transfer_ns);
    m_.handoff_ns = std::move(local.handoff_ns);
    m_.worker_bytes = std::move(local.worker_bytes);
    for (std::size_t s = 0; s < m_.status_counts.size(); ++s) m_.status_counts[s] += local.status_counts[s];
    m_.verify_failures += local.verify_failures;
    for (auto& e : local.errors) m_.keep_error(lead_.who(0) + ": " + e);
    m_.connections = std::move(local.connections);
    if (local.cluster) m_.cluster = std::move(local.cluster);
    if (!local.failure.empty()) fail(lead_.who(0) + ": " + local.failure);
    m_.interrupted = m_.interrupted || local.interrupted;
    m_.time_limited = m_.time_limited || local.time_limited;
  }

  // What rank 0's own session ran into is the point's.
  void adopt_local_outcome() {
    if (!local_) return;
    const PointMeasurement& l = local_->measurement();
    if (!l.failure.empty()) fail(lead_.who(0) + ": " + l.failure);
    m_.interrupted = m_.interrupted || l.interrupted;
    m_.time_limited = m_.time_limited || l.time_limited;
  }

  void fail(const std::string& why) {
    if (m_.failure.empty()) m_.failure = why;
  }

  std::vector<NodeCpu> server_cpu() const {
    try {
      return server_cpu_by_node(endpoint_);
    } catch (const std::exception&) {
      return {};
    }
  }

  // The next answer from `rank`, which must be a `kind` answer about this point.
  nlohmann::json expect(int rank, const std::string& kind, milliseconds timeout) {
    nlohmann::json answer = unpack(lead_.link().receive(rank, timeout, &lead_.stop()));
    if (answer.value("kind", std::string()) != kind || answer.value("point", std::size_t(-1)) != index_) {
      throw std::runtime_error(lead_.who(rank) + " answered out of step (a " + kind + " answer about point " +
                               std::to_string(index_) + " was due; it sent " + answer.value("kind", std::string("?")) +
                               ")");
    }
    return answer;
  }

  // An exchange with the ranks. None once the fleet is lost; a rank that
  // stops answering, an answer out of step or a stop while waiting leaves
  // the ranks' conversation where no one can resume it: the fleet is lost
  // for the rest of the run (the point fails, or is interrupted, with why).
  void talk(const std::function<void()>& exchange) {
    if (lead_.lost()) {
      fail("not measured: " + *lead_.lost());
      return;
    }
    try {
      exchange();
    } catch (const RankLost& e) {
      lead_.lose(lead_.who(e.rank()) + " " + e.what() + " (it died, hung or lost its network; mpirun names a rank that died)");
      fail(*lead_.lost());
    } catch (const Interrupted&) {
      lead_.lose("interrupted while waiting for the other ranks");
      throw;
    } catch (const std::exception& e) {
      lead_.lose(e.what());
      fail(*lead_.lost());
    }
  }

  FleetLead& lead_;
  net::Endpoint endpoint_;
  std::size_t index_;  // the point's place in every rank's list
  int ranks_;
  std::unique_ptr<PointSession> local_;
  nlohmann::json record_;
};

}  // namespace

std::unique_ptr<PointSession> open_fleet_session(FleetLead& lead, const PointSpec& spec, std::size_t index,
                                                 const net::Endpoint& endpoint,
                                                 const std::function<std::unique_ptr<PointSession>(const KeyShare&)>& open_local,
                                                 PointSession::Clock::time_point origin) {
  return std::make_unique<FleetSession>(lead, spec, index, endpoint, open_local, origin);
}

}  // namespace kvslo::fleet

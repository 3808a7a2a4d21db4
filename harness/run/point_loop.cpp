#include "run/point_loop.hpp"

#include <iostream>
#include <random>

#include "experiment/units.hpp"
#include "fleet/fleet_lead.hpp"
#include "measure/point_comparison.hpp"
#include "measure/point_runner.hpp"
#include "run/progress.hpp"
#include "run/turns.hpp"

namespace kvslo {
namespace {

// Deletes, on every way out of a run (Ctrl-C, --fail-fast, errors), every
// dataset kvslo wrote on a user's server; an embedded server is discarded whole.
class DatasetCleanup {
 public:
  DatasetCleanup(PointRunner& runner, bool embedded, const std::atomic<bool>& stop)
      : runner_(runner), embedded_(embedded), stop_(stop) {}
  ~DatasetCleanup() {
    if (embedded_) return;
    if (stop_) std::cerr << "kvslo: deleting the keys kvslo wrote (a second Ctrl-C leaves them)\n";
    for (const auto& failure : runner_.drop_all_datasets()) std::cerr << "kvslo: " << failure << "\n";
  }
  DatasetCleanup(const DatasetCleanup&) = delete;
  DatasetCleanup& operator=(const DatasetCleanup&) = delete;

 private:
  PointRunner& runner_;
  bool embedded_;
  const std::atomic<bool>& stop_;
};

class PointLoop {
 public:
  PointLoop(const RunRequest& request, const std::atomic<bool>& stop, RunServer& server, const RunWire& wire,
            ResultsWriter& results, PointRunner& runner, const fleet::FleetLead* fleet)
      : request_(request), stop_(stop), server_(server), wire_(wire), results_(results), runner_(runner), fleet_(fleet),
        progress_(request.points.size()), actual_settings_(server.actual_settings()),
        measured_(request.points.size(), false), seed_(std::random_device{}()) {}

  MeasuredPoints run() {
    results_.file().set("interleave", turns_);
    for (const auto& group : turn_groups(request_.points)) {
      if (stop_ || !run_group(group)) break;
    }
    progress_.done();
    return std::move(out_);
  }

 private:
  // Opens every point of the group, runs its rounds, then judges, records and
  // writes each point; false when the loop must stop.
  bool run_group(const std::vector<std::size_t>& members) {
    // The server and its settings are axes: the embedded server restarts with
    // each combination; an external server is only read, never changed.
    if (server_.use_server_of(request_.points[members.front()])) {
      runner_.use_server(server_.endpoint(), server_.tls_endpoint());
      actual_settings_ = server_.actual_settings();
    }
    std::vector<std::unique_ptr<PointSession>> sessions;
    for (std::size_t i : members) {
      if (stop_) break;
      progress_.starting(started_++, request_.points[i], sessions.empty());
      sessions.push_back(runner_.open(request_.points[i]));
    }
    const int rounds = run_rounds(members, sessions);
    const int group = members.size() > 1 ? next_group_++ : -1;
    bool failed = false;
    nlohmann::json took_turns = nlohmann::json::array();  // `index` of each point that took turns
    for (std::size_t k = 0; k < sessions.size(); ++k) {
      sessions[k]->note_rounds_missed(rounds, stop_);
      PointMeasurement m = sessions[k]->finish();
      if (sessions[k]->takes_turns() && group >= 0) {
        m.turn_group = group;
        took_turns.push_back(out_.points.size());
      }
      PointOutcome outcome = judge_point(m, request_.slo);
      progress_.finished(members.size() > 1 ? m.spec.label() : "",
                         outcome.ok() ? format_gbps(m.median_gbps()) : to_string(outcome.status));
      failed = failed || outcome.failed();
      measured_[members[k]] = true;
      out_.points.push_back({std::move(m), std::move(outcome)});
    }
    const std::size_t opened = sessions.size();
    sessions.clear();  // connections and buffers go before the next group opens
    if (took_turns.size() > 1) {
      turns_["groups"].push_back(took_turns);
      results_.file().set("interleave", turns_);
    }
    for (std::size_t k = out_.points.size() - opened; k < out_.points.size(); ++k) record(k);
    for (std::size_t k = 0; k < opened; ++k) drop_dataset_if_done(members[k]);
    if (!results_.save()) {
      out_.write_failed = true;
      return false;
    }
    if (failed && request_.fail_fast) {
      std::cerr << "kvslo: stopping after a failed point (--fail-fast)\n";
      return false;
    }
    if (fleet_ && fleet_->lost()) {
      std::cerr << "kvslo: stopping: the ranks cannot go on together (" << *fleet_->lost() << ")\n";
      return false;
    }
    return true;
  }

  // Round after round, each point one trial, in a shuffled order; returns
  // the rounds the plan asked for before it stopped (or was stopped).
  int run_rounds(const std::vector<std::size_t>& members, std::vector<std::unique_ptr<PointSession>>& sessions) {
    const RoundPlan plan = round_plan(request_.points, members);
    std::vector<std::size_t> slots(sessions.size());
    for (std::size_t k = 0; k < slots.size(); ++k) slots[k] = k;
    int round = 0;
    for (; !stop_; ++round) {
      std::vector<Interval> intervals;
      for (const auto& s : sessions) {
        if (s->can_run_trial()) intervals.push_back(throughput_interval(s->measurement()));
      }
      if (intervals.empty() || !plan.wants_more(round, intervals)) break;
      if (sessions.size() > 1) progress_.round(round, plan.min_rounds, sessions.size());
      for (std::size_t k : round_order(slots, seed_, round)) {
        if (stop_) break;  // Ctrl-C: the rest of the round is not run
        sessions[k]->run_trial(round);
      }
    }
    return std::max(round, plan.min_rounds);
  }

  void record(std::size_t k) {
    const PointResult& result = out_.points[k];
    const PointContext context{.index = k,
                              .earlier = out_.points,
                              .wire = wire_,
                              .actual_settings = actual_settings_,
                              .embedded = server_.embedded()};
    results_.file().add_point(point_entry(result, request_.slo, context));
  }

  // A dataset no point still to be measured reads is dropped now.
  void drop_dataset_if_done(std::size_t i) {
    const PointSpec& spec = request_.points[i];
    if (!reads_kvslo_dataset(spec)) return;
    const std::string id = dataset_identity(spec);
    for (std::size_t j = 0; j < request_.points.size(); ++j) {
      if (!measured_[j] && reads_kvslo_dataset(request_.points[j]) && dataset_identity(request_.points[j]) == id) return;
    }
    try {
      runner_.drop_dataset(spec);
    } catch (const std::exception&) {
      // a dead server cannot hold the dataset either; the next point reports it
    }
  }

  const RunRequest& request_;
  const std::atomic<bool>& stop_;
  RunServer& server_;
  const RunWire& wire_;
  ResultsWriter& results_;
  PointRunner& runner_;
  const fleet::FleetLead* fleet_;  // under mpirun: rank 0's lead of the other ranks
  Progress progress_;
  nlohmann::json actual_settings_;
  std::vector<bool> measured_;
  std::uint64_t seed_;
  nlohmann::json turns_{{"seed", seed_}, {"groups", nlohmann::json::array()}};  // the results' `interleave`
  std::size_t started_ = 0;
  int next_group_ = 0;
  MeasuredPoints out_;
};

}  // namespace

MeasuredPoints measure_points(const RunRequest& request, const std::atomic<bool>& stop_requested, RunServer& server,
                              RunWire& wire, ResultsWriter& results, fleet::FleetLead* fleet) {
  PointRunner runner(server.endpoint(), stop_requested,
                     PeerWire{[&wire] { return wire.target(); }, wire.seconds()});
  if (fleet) {
    runner.open_clients_with([&runner, fleet, &stop_requested](const PointSpec& spec, const net::Endpoint& endpoint) {
      // Rank 0's own share; the server's CPU is read around every rank's trial, not its own.
      auto open_local = [&](const KeyShare& share) {
        return open_client_session(spec, endpoint, stop_requested, runner.origin(), share, false);
      };
      return fleet->open(spec, endpoint, open_local, runner.origin());
    });
  }
  runner.use_server(server.endpoint(), server.tls_endpoint());
  DatasetCleanup cleanup(runner, server.embedded(), stop_requested);
  if (!results.save()) return {{}, true};
  return PointLoop(request, stop_requested, server, wire, results, runner, fleet).run();
}

}  // namespace kvslo

#include "run/point_loop.hpp"

#include <iostream>

#include "experiment/units.hpp"
#include "measure/point_runner.hpp"
#include "run/progress.hpp"

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

// Whether a later point reads the dataset `i` reads (if none does, it is dropped now).
bool dataset_needed_after(const std::vector<PointSpec>& points, std::size_t i) {
  const std::string id = dataset_identity(points[i]);
  for (std::size_t j = i + 1; j < points.size(); ++j) {
    if (reads_kvslo_dataset(points[j]) && dataset_identity(points[j]) == id) return true;
  }
  return false;
}

class PointLoop {
 public:
  PointLoop(const RunRequest& request, const std::atomic<bool>& stop, RunServer& server, const RunWire& wire,
            ResultsWriter& results, PointRunner& runner)
      : request_(request), stop_(stop), server_(server), wire_(wire), results_(results), runner_(runner),
        progress_(request.points.size()), actual_settings_(server.actual_settings()) {}

  MeasuredPoints run() {
    for (std::size_t i = 0; i < request_.points.size() && !stop_; ++i) {
      if (!step(i)) break;
    }
    progress_.done();
    return std::move(out_);
  }

 private:
  // Measures, judges, records and writes point `i`; false when the loop must stop.
  bool step(std::size_t i) {
    const PointSpec& spec = request_.points[i];
    // Redis settings are an axis: the embedded server restarts with each
    // combination; an external server is only read, never changed.
    if (server_.use_settings(spec.redis_settings)) {
      runner_.use_server(server_.endpoint());
      actual_settings_ = server_.actual_settings();
    }
    progress_.starting(i, spec);
    PointMeasurement m = runner_.run(spec);
    PointOutcome outcome = judge_point(m, request_.slo);
    progress_.finished(outcome.ok() ? format_gbps(m.median_gbps()) : to_string(outcome.status));
    PointResult result{std::move(m), std::move(outcome)};
    const PointContext context{.index = i,
                              .earlier = out_.points,
                              .wire = wire_,
                              .actual_settings = actual_settings_,
                              .embedded = server_.embedded()};
    results_.file().add_point(point_entry(result, request_.slo, context));
    drop_dataset_if_done(i);
    const bool failed = result.outcome.failed();
    out_.points.push_back(std::move(result));
    if (!results_.save()) {
      out_.write_failed = true;
      return false;
    }
    if (failed && request_.fail_fast) {
      std::cerr << "kvslo: stopping after a failed point (--fail-fast)\n";
      return false;
    }
    return true;
  }

  void drop_dataset_if_done(std::size_t i) {
    const PointSpec& spec = request_.points[i];
    if (!reads_kvslo_dataset(spec) || dataset_needed_after(request_.points, i)) return;
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
  Progress progress_;
  nlohmann::json actual_settings_;
  MeasuredPoints out_;
};

}  // namespace

MeasuredPoints measure_points(const RunRequest& request, const std::atomic<bool>& stop_requested, RunServer& server,
                              RunWire& wire, ResultsWriter& results) {
  PointRunner runner(server.endpoint(), stop_requested,
                     PeerWire{[&wire] { return wire.target(); }, wire.seconds()});
  DatasetCleanup cleanup(runner, server.embedded(), stop_requested);
  if (!results.save()) return {{}, true};
  return PointLoop(request, stop_requested, server, wire, results, runner).run();
}

}  // namespace kvslo

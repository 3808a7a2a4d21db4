#include "experiment/slo.hpp"

#include "experiment/units.hpp"

#include <cstdio>

namespace kvslo {
nlohmann::json Slo::to_json() const {
  nlohmann::json j{{"retrieval_gbps", retrieval_gbps}};
  j["batch_p99_ms"] = batch_p99_ms ? nlohmann::json(*batch_p99_ms) : nlohmann::json(nullptr);
  j["store_gbps"] = store_gbps ? nlohmann::json(*store_gbps) : nlohmann::json(nullptr);
  // Beside the number, not instead of it: readers of retrieval_gbps (the gate, older reports) keep working.
  if (retrieval_derived_from) j["retrieval_gbps_derived_from"] = retrieval_derived_from->to_json();
  return j;
}

nlohmann::json Verdict::to_json() const { return {{"pass", pass}, {"applicable", applicable}, {"reasons", reasons}}; }

Verdict judge(const Slo& slo, const PointFigures& f) {
  Verdict v;
  v.pass = true;
  auto fail = [&](std::string reason) {
    v.pass = false;
    v.reasons.push_back(std::move(reason));
  };
  auto ok = [&](std::string reason) { v.reasons.push_back(std::move(reason)); };
  if (!f.completed) fail("the point did not complete");
  if (f.failed_keys > 0) fail(std::to_string(f.failed_keys) + " keys failed (a batch is only done when every chunk is)");
  if (f.verify_failures > 0) fail(std::to_string(f.verify_failures) + " chunks came back with wrong contents");
  std::optional<double> floor;
  if (f.op == Op::kGet) floor = slo.retrieval_gbps;
  if (f.op == Op::kSet) floor = slo.store_gbps;
  if (!floor && f.op != Op::kGet) {
    v.applicable = false;
    ok("the SLO sets no floor for " + to_string(f.op));
  } else if (floor) {
    const std::string cmp = format_fixed(f.median_gbps) + " GB/s " + (f.median_gbps >= *floor ? ">=" : "<") + " " +
                            format_fixed(*floor) + " GB/s (median throughput vs floor)";
    if (f.median_gbps >= *floor) {
      ok(cmp);
    } else {
      fail(cmp);
    }
  }
  if (slo.batch_p99_ms && f.op == Op::kGet) {
    const std::string cmp = "batch p99 " + format_fixed(f.batch_p99_ms) + " ms " + (f.batch_p99_ms <= *slo.batch_p99_ms ? "<=" : ">") +
                            " " + format_fixed(*slo.batch_p99_ms) + " ms";
    if (f.batch_p99_ms <= *slo.batch_p99_ms) {
      ok(cmp);
    } else {
      fail(cmp);
    }
  }
  return v;
}

}  // namespace kvslo

#include "run/point_outcome.hpp"

#include "experiment/client_catalog.hpp"

namespace kvslo {
namespace {

PointStatus status_of(const PointMeasurement& m) {
  if (m.interrupted) return PointStatus::kInterrupted;
  return !m.failure.empty() || m.failed_keys() > 0 || m.verify_failures > 0 ? PointStatus::kFailed : PointStatus::kOk;
}

}  // namespace

const char* to_string(PointStatus status) {
  switch (status) {
    case PointStatus::kOk: return "ok";
    case PointStatus::kFailed: return "failed";
    case PointStatus::kInterrupted: return "interrupted";
  }
  return "?";
}

const char* to_string(PointVerdict verdict) {
  switch (verdict) {
    case PointVerdict::kPass: return "PASS";
    case PointVerdict::kFail: return "FAIL";
    case PointVerdict::kNotApplicable: return "n/a";
    case PointVerdict::kFailed: return "FAILED";
    case PointVerdict::kError: return "ERROR";
  }
  return "?";
}

nlohmann::json PointOutcome::to_json() const {
  return {{"status", to_string(status)}, {"verdict", to_string(verdict)}, {"may_be_best", may_be_best}};
}

PointOutcome judge_point(const PointMeasurement& m, const Slo& slo) {
  PointOutcome o;
  o.status = status_of(m);
  // Only a point that succeeded may be a client's best or compete in a bar.
  o.may_be_best = o.ok() && !m.trials.empty();
  // The SLO judges Redis retrieval: iperf3 and the null client move no Redis
  // data, and the reference server is a ceiling, not Redis.
  if (m.spec.server == ServerKind::kReference) {
    o.slo = Verdict{false, false, {"the reference server is kvslo's ceiling, not Redis"}};
  } else if (client_entry(m.spec.client).judged_by_slo) {
    o.slo = judge(slo, m.figures());
  } else {
    o.slo = Verdict{false, false, {m.spec.client + " moves no Redis data"}};
  }
  o.judged = o.slo.applicable;
  if (o.failed()) {
    o.verdict = m.failure.empty() ? PointVerdict::kFailed : PointVerdict::kError;
  } else if (!o.judged) {
    o.verdict = PointVerdict::kNotApplicable;
  } else {
    o.verdict = o.slo.pass ? PointVerdict::kPass : PointVerdict::kFail;
  }
  return o;
}

}  // namespace kvslo

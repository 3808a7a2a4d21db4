#pragma once
// The retrieval SLO and the verdict on one measured point.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/point_enums.hpp"
#include "experiment/slo_derivation.hpp"

namespace kvslo {

struct Slo {
  double retrieval_gbps = 2.0;              // GET throughput floor, GB/s (10^9 B/s)
  // Where retrieval_gbps came from when derived (model x prefill rate); unset when given as a number.
  std::optional<SloDerivation> retrieval_derived_from;
  std::optional<double> batch_p99_ms;       // per-batch p99 latency ceiling
  std::optional<double> store_gbps;         // SET throughput floor, when given

  nlohmann::json to_json() const;
};

struct Verdict {
  bool pass = false;
  bool applicable = true;  // false when the SLO says nothing about this op
  std::vector<std::string> reasons;
  nlohmann::json to_json() const;
};

struct PointFigures {
  Op op = Op::kGet;
  double median_gbps = 0;
  double batch_p99_ms = 0;
  std::size_t failed_keys = 0;
  std::size_t verify_failures = 0;
  bool completed = true;
};

Verdict judge(const Slo& slo, const PointFigures& figures);

}  // namespace kvslo

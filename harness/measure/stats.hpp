#pragma once
// Percentiles from recorded samples (nearest rank): the tail is the headline,
// so nothing here averages it away.

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace kvslo {

struct Percentiles {
  std::size_t count = 0;
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, min = 0, max = 0;
};

// Nearest-rank percentile of sorted samples: the smallest sample such that at
// least q of all samples are <= it.
double nearest_rank(const std::vector<double>& sorted, double q);
Percentiles summarize(std::vector<double> samples);

struct Spread {
  double median = 0, min = 0, max = 0;
};
Spread spread(std::vector<double> values);

nlohmann::json to_json(const Percentiles& p, double scale, const char* unit);
nlohmann::json to_json(const Spread& s);

}  // namespace kvslo

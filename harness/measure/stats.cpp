#include "measure/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace kvslo {

double nearest_rank(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

Percentiles summarize(std::vector<double> samples) {
  Percentiles p;
  if (samples.empty()) return p;
  std::sort(samples.begin(), samples.end());
  p.count = samples.size();
  p.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(samples.size());
  p.p50 = nearest_rank(samples, 0.50);
  p.p90 = nearest_rank(samples, 0.90);
  p.p99 = nearest_rank(samples, 0.99);
  p.p999 = nearest_rank(samples, 0.999);
  p.min = samples.front();
  p.max = samples.back();
  return p;
}

Spread spread(std::vector<double> values) {
  Spread s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  s.median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  s.min = values.front();
  s.max = values.back();
  return s;
}

nlohmann::json to_json(const Percentiles& p, double scale, const char* unit) {
  return {{"unit", unit},        {"count", p.count},     {"mean", p.mean * scale}, {"p50", p.p50 * scale},
          {"p90", p.p90 * scale}, {"p99", p.p99 * scale}, {"p99.9", p.p999 * scale}, {"min", p.min * scale},
          {"max", p.max * scale}};
}

nlohmann::json to_json(const Spread& s) { return {{"median", s.median}, {"min", s.min}, {"max", s.max}}; }

}  // namespace kvslo

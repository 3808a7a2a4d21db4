#include "measure/intervals.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace kvslo {
namespace {

// Above these sizes the exact null distributions give way to their normal
// approximations (already within a rank of the exact bound there).
constexpr std::size_t kExactSignedRank = 60;
constexpr std::size_t kExactRankSum = 40;
// Above this many values the Walsh averages would not fit comfortably in
// memory: the sign-test interval of the median stands in.
constexpr std::size_t kMaxWalsh = 300;

double z_of(double level) {
  // The two-sided normal quantile, by bisection of erfc.
  double lo = 0, hi = 10;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (std::erfc(mid / std::sqrt(2.0)) > 1 - level ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

// The interval's order-statistic index k (1-based; [k-th, (N+1-k)-th]) and its
// exact coverage, from the null distribution's counts (cdf over `total`).
struct Bound {
  std::size_t k = 1;
  double coverage = 0;
};

Bound bound_from_counts(const std::vector<double>& counts, double total, double level) {
  const double tail = (1 - level) / 2;
  Bound b{1, 1 - 2 * counts[0] / total};
  double cdf = 0;
  for (std::size_t k = 1; k <= counts.size() / 2; ++k) {
    cdf += counts[k - 1];  // P(T <= k - 1)
    if (cdf / total > tail + 1e-12) break;
    b = {k, 1 - 2 * cdf / total};
  }
  return b;
}

Bound normal_bound(double mean, double sd, std::size_t n_stats, double level) {
  const double k = std::floor(mean - z_of(level) * sd - 0.5) + 1;
  Bound b;
  b.k = static_cast<std::size_t>(std::clamp(k, 1.0, static_cast<double>(n_stats)));
  b.coverage = std::erf((mean - static_cast<double>(b.k) + 0.5) / sd / std::sqrt(2.0));
  return b;
}

// Wilcoxon signed-rank statistic's null distribution for n values.
Bound signed_rank_bound(std::size_t n, double level) {
  const std::size_t m = n * (n + 1) / 2;
  if (n > kExactSignedRank) {
    return normal_bound(static_cast<double>(m) / 2, std::sqrt(static_cast<double>(n * (n + 1) * (2 * n + 1)) / 24), m, level);
  }
  std::vector<double> counts(m + 1, 0.0);
  counts[0] = 1;
  for (std::size_t r = 1; r <= n; ++r) {
    for (std::size_t t = m; t >= r; --t) counts[t] += counts[t - r];
  }
  return bound_from_counts(counts, std::ldexp(1.0, static_cast<int>(n)), level);
}

// Mann-Whitney statistic's null distribution for samples of a and b values.
Bound rank_sum_bound(std::size_t a, std::size_t b, double level) {
  const std::size_t n = a * b;
  if (a * b > kExactRankSum * kExactRankSum) {
    return normal_bound(static_cast<double>(n) / 2,
                        std::sqrt(static_cast<double>(a) * static_cast<double>(b) * static_cast<double>(a + b + 1) / 12), n,
                        level);
  }
  // ways[j][u]: arrangements of i values of a and j of b with U = u, built up over i.
  std::vector<std::vector<double>> ways(b + 1, std::vector<double>(n + 1, 0.0));
  for (std::size_t j = 0; j <= b; ++j) ways[j][0] = 1;  // i = 0
  for (std::size_t i = 1; i <= a; ++i) {
    std::vector<std::vector<double>> next(b + 1, std::vector<double>(n + 1, 0.0));
    next[0][0] = 1;
    for (std::size_t j = 1; j <= b; ++j) {
      for (std::size_t u = 0; u <= i * j; ++u) {
        next[j][u] = next[j - 1][u] + (u >= j ? ways[j][u - j] : 0.0);
      }
    }
    ways = std::move(next);
  }
  double total = 0;
  for (double w : ways[b]) total += w;
  return bound_from_counts(ways[b], total, level);
}

double median_of_sorted(const std::vector<double>& v) {
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The sign test's null distribution (binomial, p = 1/2) for n values.
Bound sign_bound(std::size_t n, double level) {
  if (n > kExactSignedRank * 5) {
    return normal_bound(static_cast<double>(n) / 2, std::sqrt(static_cast<double>(n)) / 2, n, level);
  }
  std::vector<double> counts(n + 1, 0.0);  // binomial coefficients
  counts[0] = 1;
  for (std::size_t r = 1; r <= n; ++r) {
    for (std::size_t k = r; k >= 1; --k) counts[k] += counts[k - 1];
  }
  return bound_from_counts(counts, std::ldexp(1.0, static_cast<int>(n)), level);
}

Interval exp_of(Interval i) {
  i.estimate = std::exp(i.estimate);
  i.low = std::exp(i.low);
  i.high = std::exp(i.high);
  return i;
}

}  // namespace

Interval location_interval(std::vector<double> values, double level) {
  const std::size_t n = values.size();
  if (n == 0) return {};
  if (n > kMaxWalsh) return median_interval(std::move(values), level);
  std::vector<double> walsh;
  walsh.reserve(n * (n + 1) / 2);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i; j < n; ++j) walsh.push_back((values[i] + values[j]) / 2);
  }
  std::sort(walsh.begin(), walsh.end());
  const Bound b = signed_rank_bound(n, level);
  return {median_of_sorted(walsh), walsh[b.k - 1], walsh[walsh.size() - b.k], b.coverage, n};
}

Interval median_interval(std::vector<double> values, double level) {
  const std::size_t n = values.size();
  if (n == 0) return {};
  std::sort(values.begin(), values.end());
  const Bound b = sign_bound(n, level);
  return {median_of_sorted(values), values[b.k - 1], values[n - b.k], b.coverage, n};
}

Interval positive_interval(const std::vector<double>& values, double level) {
  std::vector<double> logs;
  for (double v : values) {
    if (v > 0 && std::isfinite(v)) logs.push_back(std::log(v));
  }
  if (logs.empty()) return {};
  return exp_of(location_interval(std::move(logs), level));
}

Interval paired_ratio(const std::vector<double>& a, const std::vector<double>& b, double level) {
  std::vector<double> ratios;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i] > 0 && b[i] > 0) ratios.push_back(a[i] / b[i]);
  }
  return positive_interval(ratios, level);
}

Interval unpaired_ratio(const std::vector<double>& a, const std::vector<double>& b, double level) {
  std::vector<double> la, lb;
  for (double v : a) {
    if (v > 0 && std::isfinite(v)) la.push_back(std::log(v));
  }
  for (double v : b) {
    if (v > 0 && std::isfinite(v)) lb.push_back(std::log(v));
  }
  if (la.empty() || lb.empty()) return {};
  std::vector<double> differences;
  differences.reserve(la.size() * lb.size());
  for (double x : la) {
    for (double y : lb) differences.push_back(x - y);
  }
  std::sort(differences.begin(), differences.end());
  const Bound bound = rank_sum_bound(la.size(), lb.size(), level);
  return exp_of({median_of_sorted(differences), differences[bound.k - 1], differences[differences.size() - bound.k],
                 bound.coverage, std::min(la.size(), lb.size())});
}

BarDecision decide_bar(const Interval& ratio, double bar, bool at_most, double level) {
  if (ratio.empty() || !ratio.reaches(level)) return BarDecision::kUndecided;
  const bool all_above = ratio.low >= bar, all_below = ratio.high < bar;
  const bool all_at_most = ratio.high <= bar, all_over = ratio.low > bar;
  if (at_most) return all_at_most ? BarDecision::kMet : all_over ? BarDecision::kMissed : BarDecision::kUndecided;
  return all_above ? BarDecision::kMet : all_below ? BarDecision::kMissed : BarDecision::kUndecided;
}

std::string to_string(BarDecision d) {
  switch (d) {
    case BarDecision::kMet: return "MET";
    case BarDecision::kMissed: return "MISSED";
    case BarDecision::kUndecided: return "UNDECIDED";
  }
  return "?";
}

std::string format_ratio(const Interval& ratio) {
  if (ratio.empty()) return "-";
  char text[96];
  std::snprintf(text, sizeof text, "%.2fx [%.2f-%.2f]", ratio.estimate, ratio.low, ratio.high);
  return text;
}

}  // namespace kvslo

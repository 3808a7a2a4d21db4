#include "gate/significance.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace kvslo {
namespace {

// Number of arrangements of n1 + n2 ranks whose U statistic is exactly u, for
// every u, by the recurrence f(n1, n2, u) = f(n1-1, n2, u-n2) + f(n1, n2-1, u).
std::vector<double> exact_u_counts(std::size_t n1, std::size_t n2) {
  // table[i][j] = distribution of U for i and j elements.
  std::vector<std::vector<std::vector<double>>> table(n1 + 1, std::vector<std::vector<double>>(n2 + 1));
  for (std::size_t i = 0; i <= n1; ++i) {
    for (std::size_t j = 0; j <= n2; ++j) {
      auto& d = table[i][j];
      d.assign(i * j + 1, 0.0);
      if (i == 0 || j == 0) {
        d[0] = 1;
        continue;
      }
      const auto& left = table[i - 1][j];  // the largest value belongs to sample 2... counts pairs
      const auto& down = table[i][j - 1];
      for (std::size_t u = 0; u < d.size(); ++u) {
        if (u >= j && u - j < left.size()) d[u] += left[u - j];
        if (u < down.size()) d[u] += down[u];
      }
    }
  }
  return table[n1][n2];
}

double log_choose(std::size_t n, std::size_t k) {
  return std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(k) + 1) -
         std::lgamma(static_cast<double>(n - k) + 1);
}

}  // namespace

double mann_whitney_p_less(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.empty() || b.empty()) return 1.0;
  // U_a: pairs where a's value exceeds b's (ties count half). Small U_a means a is smaller.
  double u = 0;
  bool ties = false;
  for (double x : a) {
    for (double y : b) {
      if (x > y) u += 1;
      if (x == y) {
        u += 0.5;
        ties = true;
      }
    }
  }
  const std::size_t n1 = a.size(), n2 = b.size();
  if (!ties && n1 * n2 <= 400) {
    const auto counts = exact_u_counts(n1, n2);
    double total = 0, at_most = 0;
    for (std::size_t k = 0; k < counts.size(); ++k) {
      total += counts[k];
      if (static_cast<double>(k) <= u) at_most += counts[k];
    }
    return at_most / total;
  }
  // Normal approximation with a continuity correction and tie-corrected variance.
  std::vector<double> all(a);
  all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end());
  double tie_term = 0;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j] == all[i]) ++j;
    const double t = static_cast<double>(j - i);
    tie_term += t * t * t - t;
    i = j;
  }
  const double n = static_cast<double>(n1 + n2);
  const double mean = static_cast<double>(n1 * n2) / 2;
  const double variance = static_cast<double>(n1 * n2) / 12 * ((n + 1) - tie_term / (n * (n - 1)));
  if (variance <= 0) return 1.0;
  const double z = (u + 0.5 - mean) / std::sqrt(variance);
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

double fisher_p_greater(std::size_t k_a, std::size_t n_a, std::size_t k_b, std::size_t n_b) {
  if (k_a == 0 || n_a == 0 || n_b == 0) return 1.0;
  // X ~ Hypergeometric(N, K, n_a): exceedances landing in a when K of N exceed.
  const std::size_t n = n_a + n_b, k = k_a + k_b;
  const double log_total = log_choose(n, n_a);
  double p = 0;
  for (std::size_t x = k_a; x <= std::min(k, n_a); ++x) {
    if (n_a - x > n - k) continue;  // more non-exceedances in a than there are
    p += std::exp(log_choose(k, x) + log_choose(n - k, n_a - x) - log_total);
  }
  return std::min(p, 1.0);
}

double exceedance_p_greater(const std::vector<double>& a, const std::vector<double>& b, double threshold) {
  const auto above = [threshold](const std::vector<double>& v) {
    return static_cast<std::size_t>(std::count_if(v.begin(), v.end(), [threshold](double x) { return x > threshold; }));
  };
  return fisher_p_greater(above(a), a.size(), above(b), b.size());
}

}  // namespace kvslo

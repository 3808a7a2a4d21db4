#pragma once
// Confidence intervals for the handful of trials a point has, and the
// three-way verdict they give against a bar.
//
// Why these methods: a point has 3 to 30 trials and a noisy host makes their
// distribution skewed and heavy-tailed, so nothing here assumes normality.
//   - One point's median: the sign-test interval of the median (order
//     statistics of the sample; exact coverage, distribution-free).
//   - Two points that took turns: the per-round ratios' Hodges-Lehmann
//     estimate with the Wilcoxon signed-rank interval, exact when the log
//     ratios are symmetric about their centre (drift that hits both points of
//     a round alike cancels in the ratio; what is left is closer to symmetric
//     than the raw figures), approximate otherwise.
//   - Two unpaired samples: the two-sample Hodges-Lehmann ratio with the
//     Mann-Whitney interval, exact when the samples differ by a shift (of
//     logarithms: by a factor).
// A bootstrap over so few rounds is known to give intervals that are too
// narrow. The price is stated: below 6 rounds no interval reaches 95% (the
// widest, min..max, covers 1 - 2/2^n), and a verdict from it is UNDECIDED.
// Ratios are taken on logarithms, so 2x and 0.5x are symmetric and the
// interval of a ratio is a ratio. When a precision target chose how many
// rounds to run, the coverage is nominal rather than exact.

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace kvslo {

inline constexpr double kConfidenceLevel = 0.95;

struct Interval {
  double estimate = 0, low = 0, high = 0;
  double confidence = 0;  // exact coverage of [low, high] (0: no sample)
  std::size_t n = 0;      // values (or rounds) it came from
  bool empty() const { return n == 0; }
  bool reaches(double level = kConfidenceLevel) const { return confidence >= level - 1e-12; }
  // Half the interval's width relative to its estimate: 0.05 is +-5%.
  double relative_half_width() const {
    return estimate > 0 ? (high - low) / 2 / estimate : std::numeric_limits<double>::infinity();
  }
};

// The centre of `values` and its interval (Hodges-Lehmann, Wilcoxon signed rank).
Interval location_interval(std::vector<double> values, double level = kConfidenceLevel);
// The sample median and the sign-test interval of the median.
Interval median_interval(std::vector<double> values, double level = kConfidenceLevel);
// The same for positive figures (GB/s, CPU s/GB), on their logarithms.
// Non-positive values are left out.
Interval positive_interval(const std::vector<double>& values, double level = kConfidenceLevel);
// a / b from rounds paired by index (a[i] and b[i] measured in one round):
// the interval of the per-round ratios. Pairs with a non-positive side are left out.
Interval paired_ratio(const std::vector<double>& a, const std::vector<double>& b, double level = kConfidenceLevel);
// a / b from unpaired samples: the two-sample Hodges-Lehmann ratio and the
// Mann-Whitney interval, on logarithms.
Interval unpaired_ratio(const std::vector<double>& a, const std::vector<double>& b, double level = kConfidenceLevel);

// A ratio against a bar: MET when the whole interval is on the right side,
// MISSED when the whole interval is on the wrong side, UNDECIDED when it
// straddles the bar or does not reach the confidence level.
enum class BarDecision { kMet, kMissed, kUndecided };
BarDecision decide_bar(const Interval& ratio, double bar, bool at_most, double level = kConfidenceLevel);
std::string to_string(BarDecision d);

// "1.27x [1.19-1.36]"
std::string format_ratio(const Interval& ratio);

}  // namespace kvslo

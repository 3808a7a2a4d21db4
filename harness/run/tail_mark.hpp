#pragma once
// A percentile as the console prints it: the figure, then "~" when it came
// from fewer samples than its quantile needs (a p99 of 32 batches is their
// maximum), explained once in a footnote.

#include <cstddef>
#include <string>

namespace kvslo {

// "25.3" or "25.3~".
std::string marked_percentile(double value, int decimals, std::size_t samples, double quantile);
// Whether a percentile of `samples` at `quantile` is marked.
bool short_of_samples(std::size_t samples, double quantile);

inline constexpr const char* kTailFootnote =
    "~ a p99 of fewer than 100 samples (p99.9: 1,000) is their maximum, not a tail; (n) is the sample count";

}  // namespace kvslo

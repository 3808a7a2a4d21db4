#include "run/tail_mark.hpp"

#include "experiment/tail_samples.hpp"
#include "experiment/units.hpp"

namespace kvslo {

bool short_of_samples(std::size_t samples, double quantile) { return samples < samples_needed(quantile); }

std::string marked_percentile(double value, int decimals, std::size_t samples, double quantile) {
  return format_fixed(value, decimals) + (short_of_samples(samples, quantile) ? "~" : "");
}

}  // namespace kvslo

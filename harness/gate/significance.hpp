#pragma once
// A rank test for "is this sample smaller than that one", for comparing a few
// trials per point without assuming the noise is normal; and an exceedance
// test for "are values above a threshold more common in this sample", for
// tails, which a rank test of the whole distribution does not see.

#include <cstddef>
#include <vector>

namespace kvslo {

// One-sided Mann-Whitney U test: the probability, if both samples came from
// one distribution, of `a` looking at least this much smaller than `b`.
// Exact for small samples without ties; normal approximation (with tie
// correction) otherwise. Returns 1 when either sample is empty.
double mann_whitney_p_less(const std::vector<double>& a, const std::vector<double>& b);

// One-sided Fisher exact test of a 2x2 table: the probability, if both samples
// shared one rate of exceedance, that sample a (k_a of n_a exceed) would hold
// k_a or more of the k_a + k_b exceedances. The hypergeometric tail is summed
// in log space (lgamma), so samples of thousands are fine. Returns 1 when
// k_a is 0 or either sample is empty.
double fisher_p_greater(std::size_t k_a, std::size_t n_a, std::size_t k_b, std::size_t n_b);

// The exceedance test on samples: values strictly above `threshold` are
// counted in each and compared with fisher_p_greater (a against b).
double exceedance_p_greater(const std::vector<double>& a, const std::vector<double>& b, double threshold);

}  // namespace kvslo

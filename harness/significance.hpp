#pragma once
// A rank test for "is this sample smaller than that one", for comparing a few
// trials per point without assuming the noise is normal.

#include <vector>

namespace kvslo {

// One-sided Mann-Whitney U test: the probability, if both samples came from
// one distribution, of `a` looking at least this much smaller than `b`.
// Exact for small samples without ties; normal approximation (with tie
// correction) otherwise. Returns 1 when either sample is empty.
double mann_whitney_p_less(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace kvslo

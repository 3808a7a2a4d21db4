#pragma once
// Which points take turns, and in what order. Points compared with each
// other (same op, chunk size, streams, dataset and server settings: one
// side-by-side group, one gate normalisation) run round-robin, one trial each
// per round, in an order shuffled per round from the run's seed (the idea of
// Google Benchmark's random interleaving): drift of the host then falls on
// every point of a round alike, and ratios paired by round cancel it.

#include <cstdint>
#include <optional>
#include <vector>

#include "experiment/point_spec.hpp"
#include "measure/intervals.hpp"

namespace kvslo {

// The run's points in groups that take turns, in the order of each group's
// first point; a point with interleave off is a group of its own.
std::vector<std::vector<std::size_t>> turn_groups(const std::vector<PointSpec>& points);

// The order of `members` in round `round`: a shuffle seeded by (seed, round),
// so the order a run used can be told from its recorded seed.
std::vector<std::size_t> round_order(std::vector<std::size_t> members, std::uint64_t seed, int round);

// How many rounds a group runs: at least the most `trials` of its points;
// with a precision target, more (up to max_trials; without a target
// max_trials has no effect) while a point's median interval is wider than
// the target or below 95%.
struct RoundPlan {
  int min_rounds = 1, max_rounds = 1;
  std::optional<double> precision;
  // Whether another round is wanted after `rounds` rounds, given each
  // running point's interval so far.
  bool wants_more(int rounds, const std::vector<Interval>& intervals) const;
};
RoundPlan round_plan(const std::vector<PointSpec>& points, const std::vector<std::size_t>& members);

}  // namespace kvslo

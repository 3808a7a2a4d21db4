#include "run/turns.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <string>

#include "measure/dataset.hpp"

namespace kvslo {
namespace {

// What points must share to take turns (a restart between turns, or another
// dataset, would be measured as noise).
std::string turn_key(const PointSpec& p) {
  return to_string(p.op) + "|" + std::to_string(p.streams) + "|" + dataset_identity(p);
}

}  // namespace

std::vector<std::vector<std::size_t>> turn_groups(const std::vector<PointSpec>& points) {
  std::vector<std::vector<std::size_t>> groups;
  std::map<std::string, std::size_t> group_of;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!points[i].interleave) {
      groups.push_back({i});
      continue;
    }
    auto [it, fresh] = group_of.emplace(turn_key(points[i]), groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  return groups;
}

std::vector<std::size_t> round_order(std::vector<std::size_t> members, std::uint64_t seed, int round) {
  std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                         static_cast<std::uint32_t>(round)};
  std::mt19937_64 rng(sequence);
  std::shuffle(members.begin(), members.end(), rng);
  return members;
}

bool RoundPlan::wants_more(int rounds, const std::vector<Interval>& intervals) const {
  if (rounds < min_rounds) return true;
  if (rounds >= max_rounds || !precision) return false;
  return std::any_of(intervals.begin(), intervals.end(),
                     [&](const Interval& i) { return !i.reaches() || i.relative_half_width() > *precision; });
}

RoundPlan round_plan(const std::vector<PointSpec>& points, const std::vector<std::size_t>& members) {
  RoundPlan plan;
  for (std::size_t i : members) {
    const PointSpec& p = points[i];
    plan.min_rounds = std::max(plan.min_rounds, p.trials);
    if (p.precision) {
      plan.precision = plan.precision ? std::min(*plan.precision, *p.precision) : *p.precision;
      plan.max_rounds = std::max(plan.max_rounds, p.max_trials);
    }
  }
  plan.max_rounds = std::max(plan.max_rounds, plan.min_rounds);
  return plan;
}

}  // namespace kvslo

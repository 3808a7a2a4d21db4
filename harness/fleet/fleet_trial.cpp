#include "fleet/fleet_trial.hpp"

#include <algorithm>
#include <stdexcept>

namespace kvslo::fleet {
namespace {

double gbps(std::uint64_t bytes, double seconds) { return seconds > 0 ? static_cast<double>(bytes) / seconds / 1e9 : 0; }

// The bytes a rank had moved by `when`: every batch that ended by then, and
// of the batch in flight the share of its time already past (a batch is one
// call, so progress inside it is known only as a rate; with batches of
// hundreds of MiB, whole batches alone would leave out most of a short trial).
double bytes_by(const TrialFigures& t, double when) {
  double began = t.window_begin;
  std::uint64_t before = 0;
  for (const auto& [end, so_far] : t.batch_marks) {
    if (end > when) {
      const double share = end > began ? std::clamp((when - began) / (end - began), 0.0, 1.0) : 0.0;
      return static_cast<double>(before) + share * static_cast<double>(so_far - before);
    }
    began = end;
    before = so_far;
  }
  return static_cast<double>(before);
}

}  // namespace

FleetTrial combine_trial(const std::vector<RankTrial>& ranks, double origin) {
  if (ranks.empty()) throw std::invalid_argument("a fleet trial needs at least one rank");
  FleetTrial out;
  TrialFigures& sum = out.aggregate;
  double first_begin = ranks.front().figures.window_begin, last_begin = first_begin;
  double first_end = ranks.front().figures.window_end, last_end = first_end;
  nlohmann::json per_rank = nlohmann::json::array();
  for (const RankTrial& r : ranks) {
    const TrialFigures& t = r.figures;
    if (t.window_begin < 0 || t.window_end < t.window_begin) {
      throw std::invalid_argument("rank " + std::to_string(r.rank) + " reported a trial without a window");
    }
    sum.bytes += t.bytes;
    sum.batches += t.batches;
    sum.failed_keys += t.failed_keys;
    sum.cpu_seconds += t.cpu_seconds;
    sum.busy_seconds += t.busy_seconds;
    sum.harness_seconds += t.harness_seconds;
    first_begin = std::min(first_begin, t.window_begin);
    last_begin = std::max(last_begin, t.window_begin);
    first_end = std::min(first_end, t.window_end);
    last_end = std::max(last_end, t.window_end);
    per_rank.push_back({{"rank", r.rank},
                        {"bytes", t.bytes},
                        {"gbps", gbps(t.bytes, t.window_end - t.window_begin)},
                        {"begin_s", t.window_begin - origin},
                        {"end_s", t.window_end - origin},
                        {"cpu_seconds", t.cpu_seconds},
                        {"batches", t.batches}});
  }
  sum.seconds = last_end - first_begin;
  double first_done_bytes = 0;
  for (const RankTrial& r : ranks) first_done_bytes += bytes_by(r.figures, first_end);
  out.record = {{"start_skew_s", last_begin - first_begin},
                {"first_done_s", first_end - first_begin},
                {"last_done_s", last_end - first_begin},
                {"first_done_gbps", first_end > first_begin ? first_done_bytes / (first_end - first_begin) / 1e9 : 0},
                {"gbps", gbps(sum.bytes, sum.seconds)},
                {"ranks", std::move(per_rank)}};
  return out;
}

}  // namespace kvslo::fleet

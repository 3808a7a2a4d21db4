#include "measure/key_share.hpp"

#include <stdexcept>
#include <string>

namespace kvslo {

KeyShare whole_working_set(const PointSpec& spec) { return {0, spec.key_count(), spec.batches()}; }

KeyShare key_share(const PointSpec& spec, int rank, int ranks) {
  if (ranks <= 1 || spec.fleet_keys == FleetKeys::kShared) return whole_working_set(spec);
  const std::size_t per_batch = spec.chunks_per_batch;
  const std::size_t whole_batches = spec.key_count() / per_batch;
  const auto n = static_cast<std::size_t>(ranks);
  if (whole_batches < n) {
    throw std::invalid_argument("fleet_keys split: the working set holds " + std::to_string(whole_batches) +
                                " whole batches of " + std::to_string(per_batch) + " chunks, fewer than the " +
                                std::to_string(ranks) + " ranks reading it (a larger working_set, or fleet_keys shared)");
  }
  const auto r = static_cast<std::size_t>(rank);
  const std::size_t begin = r * whole_batches / n, end = (r + 1) * whole_batches / n;
  KeyShare share{begin * per_batch, (end - begin) * per_batch, end - begin};
  if (spec.batches_per_trial > 0) share.batches = spec.batches_per_trial;  // each rank runs the point's batches
  return share;
}

}  // namespace kvslo

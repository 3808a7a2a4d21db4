#pragma once
// The keys one rank reads when several ranks of an mpirun measure a point:
// with fleet_keys split, its own run of whole batches of the working set
// (so no two ranks read a key at once, and a hashtag layout keeps one tag
// per batch); with shared, or alone, the whole working set.

#include <cstddef>

#include "experiment/point_spec.hpp"

namespace kvslo {

struct KeyShare {
  std::size_t first = 0;    // the first key's index (a multiple of chunks_per_batch when split)
  std::size_t count = 0;    // keys in the share
  std::size_t batches = 0;  // batches per trial: the point's, or one pass over the share
};

// The whole working set: what one process alone reads.
KeyShare whole_working_set(const PointSpec& spec);
// Rank `rank`'s share among `ranks` reading `spec` at once. Throws
// std::invalid_argument when split leaves a rank without a whole batch.
KeyShare key_share(const PointSpec& spec, int rank, int ranks);

}  // namespace kvslo

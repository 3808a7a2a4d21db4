#pragma once
// What a run needs before it starts anything: memory (the embedded server's
// datasets that are alive together, batch tiles, connection buffers) and
// file descriptors. A run that cannot fit is refused with the numbers.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "experiment/point_spec.hpp"
#include "measure/dataset.hpp"

namespace kvslo {

// The most payload bytes the server holds at once over the run: a dataset is
// loaded by its first point and dropped after its last one, so a sweep whose
// points interleave datasets holds several; redis-benchmark's own dataset
// lives for its point only.
std::uint64_t peak_dataset_bytes(const std::vector<PointSpec>& points);
// maxmemory for an embedded server that must hold that peak: values land in
// jemalloc size classes up to 25% above their size, plus per-key overhead.
std::uint64_t embedded_maxmemory(const std::vector<PointSpec>& points);

struct Preflight {
  std::uint64_t memory_needed = 0, memory_available = 0;
  std::uint64_t server_bytes = 0, tile_bytes = 0, connection_bytes = 0;
  std::uint64_t descriptors_needed = 0, descriptors_limit = 0;
  // Why the run cannot start, naming the numbers; empty when it can.
  std::optional<std::string> refusal;
};

// Raises the soft descriptor limit to the hard one, then checks memory and
// descriptors. `embedded`: kvslo starts the server, so its memory counts too.
Preflight preflight(const std::vector<PointSpec>& points, bool embedded);

}  // namespace kvslo

#include "run/run_preflight.hpp"

#include "run/turns.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <map>

#include "experiment/client_catalog.hpp"
#include "experiment/units.hpp"
#include "system/environment.hpp"

namespace kvslo {
namespace {

// The zero-copy client's staging buffer per connection (pipelined_connection.cpp).
constexpr std::uint64_t kConnectionBytes = 64 << 10;
// The loader's batches (dataset.cpp) and the harness itself.
constexpr std::uint64_t kLoaderBytes = 256ull << 20;
// Descriptors beside the points' connections: the loader, admin channels,
// pipes to helper programs, eventfds, stdio.
constexpr std::uint64_t kSpareDescriptors = 64;

std::uint64_t connections_of(const PointSpec& p) {
  return static_cast<std::uint64_t>(p.streams) * (p.layout == Layout::kWithMetadata ? 2 : 1);
}

std::uint64_t dataset_bytes(const PointSpec& p) { return p.chunk_size * p.key_count(); }

std::uint64_t raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(limit.rlim_cur);
}

}  // namespace

std::uint64_t peak_dataset_bytes(const std::vector<PointSpec>& as_listed) {
  // Points that take turns are measured together, in the order of their
  // groups, and a dataset is dropped only when its group is done.
  std::vector<PointSpec> points;
  std::vector<std::size_t> group_end;  // per point: the position of its group's last point
  for (const auto& group : turn_groups(as_listed)) {
    const std::size_t end = points.size() + group.size() - 1;
    for (std::size_t i : group) {
      points.push_back(as_listed[i]);
      group_end.push_back(end);
    }
  }
  struct Lifetime {
    std::size_t first, last;
    std::uint64_t bytes;
  };
  std::map<std::string, Lifetime> datasets;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!reads_kvslo_dataset(points[i])) continue;
    auto [it, fresh] = datasets.try_emplace(dataset_identity(points[i]), Lifetime{i, i, dataset_bytes(points[i])});
    it->second.last = group_end[i];
  }
  // Bytes held at point i: the datasets alive there (loaded at or before i,
  // dropped after i), plus redis-benchmark's own while it runs.
  std::vector<std::int64_t> change(points.size() + 1, 0);
  for (const auto& [id, d] : datasets) {
    change[d.first] += static_cast<std::int64_t>(d.bytes);
    change[d.last + 1] -= static_cast<std::int64_t>(d.bytes);
  }
  std::int64_t alive = 0;
  std::uint64_t peak = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    alive += change[i];
    const std::uint64_t own = client_entry(points[i].client).loads_own_dataset ? dataset_bytes(points[i]) : 0;
    peak = std::max(peak, static_cast<std::uint64_t>(alive) + own);
  }
  return peak;
}

std::uint64_t embedded_maxmemory(const std::vector<PointSpec>& points) {
  const std::uint64_t held = peak_dataset_bytes(points);
  return held + held / 2 + (64ull << 20);
}

Preflight preflight(const std::vector<PointSpec>& points, bool embedded) {
  Preflight f;
  std::uint64_t connections = 0;
  // The points of a group that take turns keep their buffers and connections open together.
  for (const auto& group : turn_groups(points)) {
    std::uint64_t tiles = 0, group_connections = 0, connection_bytes = 0;
    for (std::size_t i : group) {
      const PointSpec& p = points[i];
      tiles += p.batch_bytes();
      group_connections += connections_of(p);
      // A bounced receive stages a whole chunk per connection.
      const std::uint64_t per_connection = kConnectionBytes + (p.receive == Receive::kBounce ? p.chunk_size : 0);
      connection_bytes += connections_of(p) * per_connection;
    }
    f.tile_bytes = std::max(f.tile_bytes, tiles);
    connections = std::max(connections, group_connections);
    f.connection_bytes = std::max(f.connection_bytes, connection_bytes);
  }
  f.server_bytes = embedded ? embedded_maxmemory(points) : 0;
  f.memory_needed = f.server_bytes + f.tile_bytes + f.connection_bytes + kLoaderBytes;
  f.memory_available = available_memory_bytes();
  f.descriptors_needed = connections + kSpareDescriptors;
  f.descriptors_limit = raise_descriptor_limit();
  if (f.memory_available > 0 && f.memory_needed > f.memory_available) {
    f.refusal = "this run needs about " + format_size_approx(f.memory_needed) + " of memory (embedded Redis datasets " +
                format_size_approx(f.server_bytes) + " + batch buffers " + format_size_approx(f.tile_bytes) +
                " + connection buffers " + format_size_approx(f.connection_bytes) + " + loader 256MiB) but only " +
                format_size_approx(f.memory_available) +
                " is available; reduce the working set, chunks per batch or streams";
  } else if (f.descriptors_limit > 0 && f.descriptors_needed > f.descriptors_limit) {
    f.refusal = "this run needs about " + std::to_string(f.descriptors_needed) + " file descriptors (" +
                std::to_string(connections) + " connections open at once + " +
                std::to_string(kSpareDescriptors) + " spare) but the limit is " + std::to_string(f.descriptors_limit) +
                " (ulimit -n); reduce streams or raise the limit";
  }
  return f;
}

}  // namespace kvslo

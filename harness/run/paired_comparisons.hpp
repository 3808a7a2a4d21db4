#pragma once
// Each of kvslo's clients against the baseline client (the ladder's rung 0,
// hiredis) it took turns with, in every turn group; tiled-py also against
// tiled (the C++ harness driving the same core: the Python boundary's share),
// a tiled-py ablation (gil=held, completion=poll) against the tiled-py
// point without it, and a TLS point (tls on or ktls) against the same client
// in plain TCP (what TLS costs; hiredis has no TLS to pair): GB/s and client CPU per
// GB as ratios paired by round with their 95% intervals, and what each byte
// cost the server with either. A run without peers has no side-by-side
// table; this is its comparison (a chunk sweep's "zerocopy vs hiredis at
// every size").

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "measure/intervals.hpp"
#include "run/point_outcome.hpp"

namespace kvslo {

struct PairedComparison {
  std::string group;            // "get 1MiB streams=2"
  std::string ours, baseline;   // point labels
  std::string ours_shown, baseline_client;  // "tiled-py d8 py_tasks=4", "hiredis": for the table
  Interval gbps, cpu_per_gb;    // ours / baseline
  double ours_server_per_gb = -1, baseline_server_per_gb = -1;  // server CPU s/GB (-1: unknown)
  nlohmann::json to_json() const;
};

// Only points that may be a best, that took turns with a baseline point of
// the same pipeline depth (then threads, then inflight; or, when none has
// it, the first baseline point).
std::vector<PairedComparison> compare_with_baseline(const std::vector<PointResult>& points);
void print_comparisons(const std::vector<PairedComparison>& comparisons, std::ostream& out);

}  // namespace kvslo

#pragma once
// What reporters read about a finished run, and the reporter interface
// (after Google Benchmark's reporters): the console reporter prints it, the
// JSON reporter writes it into the results file. Everything in it is
// computed once, before any reporter runs.

#include <cstddef>
#include <string>
#include <vector>

#include "experiment/slo.hpp"
#include "run/paired_comparisons.hpp"
#include "run/point_outcome.hpp"
#include "run/run_summary.hpp"
#include "run/run_wire.hpp"
#include "run/side_by_side.hpp"

namespace kvslo {

struct RunReport {
  const std::vector<PointResult>& points;  // measured, in order
  const RunSummary& summary;
  const SideBySide& side_by_side;
  const std::vector<PairedComparison>& comparisons;  // kvslo's clients against the baseline client, paired by round
  const RunWire& wire;
  const Slo& slo;
  std::size_t planned = 0;       // points the run meant to measure
  bool interrupted = false;      // Ctrl-C
  double elapsed_seconds = 0;    // the points' time, the wire's excluded
  std::string server_name;       // "Redis 7.0.15", from the results' environment ("Redis ?" when unknown)
  std::string server;            // the Redis endpoint, as shown
  bool embedded = false;         // kvslo started that Redis
};

class RunReporter {
 public:
  virtual ~RunReporter() = default;
  virtual void report(const RunReport& run) = 0;
};

}  // namespace kvslo

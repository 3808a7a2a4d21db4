#pragma once
// A run's progress on stderr: a live line on a terminal, plain lines in a log.

#include <chrono>
#include <cstddef>
#include <string>

#include "experiment/point_spec.hpp"

namespace kvslo {

// "42s", "3m07s"
std::string format_duration(double seconds);

class Progress {
 public:
  explicit Progress(std::size_t total);
  // Point `i` (from 0) starts (or opens, when points take turns); an ETA
  // from the points so far, unless `estimate` is false (points opened
  // together have not run yet).
  void starting(std::size_t i, const PointSpec& spec, bool estimate = true);
  // Points taking turns begin round `round` (from 0) of at least `rounds`.
  void round(int round, int rounds, std::size_t points);
  // The point ended: its GB/s, or its status when it did not succeed;
  // `label` names it when points took turns (the line is not below its start).
  void finished(const std::string& label, const std::string& figure);
  // "kvslo: 6 points in 1m02s"
  void done();

 private:
  double elapsed() const;
  std::size_t total_;
  bool live_;
  std::chrono::steady_clock::time_point start_;
  std::string last_;
};

}  // namespace kvslo

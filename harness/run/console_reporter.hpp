#pragma once
// A run on the console: the points table (with tiled stages, errors and
// warnings under each point), the side-by-side table, the wire, where the
// figures came from, and the SLO verdict.

#include <ostream>

#include "run/run_report.hpp"

namespace kvslo {

class ConsoleReporter : public RunReporter {
 public:
  explicit ConsoleReporter(std::ostream& out) : out_(out) {}
  void report(const RunReport& run) override;

 private:
  std::ostream& out_;
};

// "SLO (...): MET by 2 of 6 points", each client's best, attainment and goodput.
void print_verdict(const RunReport& run, std::ostream& out);

}  // namespace kvslo

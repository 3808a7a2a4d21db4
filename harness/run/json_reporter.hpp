#pragma once
// Writes a run's "summary" and "side_by_side" (when there is one) into its
// results document; the caller writes the file.

#include "system/results_file.hpp"
#include "run/run_report.hpp"

namespace kvslo {

class JsonReporter : public RunReporter {
 public:
  explicit JsonReporter(ResultsFile& results) : results_(results) {}
  void report(const RunReport& run) override;

 private:
  ResultsFile& results_;
};

// The results' "summary": counts, the points meeting the SLO, each client's best.
nlohmann::json summary_json(const RunReport& run);

}  // namespace kvslo

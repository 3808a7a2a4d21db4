#pragma once
// The results file of a run: its header (what ran, where, against which
// SLO), one entry per point, and the writer that remembers why a write failed.

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run/point_outcome.hpp"
#include "system/results_file.hpp"
#include "run/run_command.hpp"
#include "run/run_wire.hpp"

namespace kvslo {

// The current UTC time in strftime's `format`.
std::string utc_timestamp(const char* format);

// Everything but the points: tool, time, command line, units, environment
// (`redis` as describe_redis gave it), the SLO and the scenario.
nlohmann::json results_header(const RunRequest& request, const nlohmann::json& redis);

// What the run knows around a point besides its measurement.
struct PointContext {
  std::size_t index = 0;
  const std::vector<PointResult>& earlier;  // the run's points measured so far (its whole turn group included)
  const RunWire& wire;
  const nlohmann::json& actual_settings;    // the server's io-threads settings
  bool embedded = false;
};

// One point's entry: its measurement, its outcome ("status", "slo",
// "outcome"), % of wire, the server's actual settings, warnings and knobs.
nlohmann::json point_entry(const PointResult& point, const Slo& slo, const PointContext& context);

// Writes the results file; a failure is kept, not thrown, so the run can
// still print what it measured.
class ResultsWriter {
 public:
  explicit ResultsWriter(ResultsFile& file) : file_(file) {}
  // Whether the write succeeded.
  bool save();
  const std::string& error() const { return error_; }
  ResultsFile& file() { return file_; }

 private:
  ResultsFile& file_;
  std::string error_;
};

}  // namespace kvslo

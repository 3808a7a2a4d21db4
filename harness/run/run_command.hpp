#pragma once
// `kvslo run`: measures a list of points against one Redis (an embedded one
// unless an endpoint is given), writes the results file after every point,
// and prints a summary with the SLO verdict.

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "exit_codes.hpp"
#include "experiment/point_spec.hpp"
#include "experiment/scenario.hpp"
#include "experiment/slo.hpp"
#include "net/tls.hpp"

namespace kvslo {
namespace fleet {
class MpiLink;
}

struct RunRequest {
  std::vector<PointSpec> points;
  std::optional<std::string> redis_url;  // empty: start an embedded redis-server
  std::optional<net::TlsSettings> tls;   // --tls-*: how to trust a rediss:// server of the user's
  std::filesystem::path out;
  Slo slo;
  bool require_slo = false;
  bool fail_fast = false;  // stop the sweep at the first failed point
  std::string command_line;  // recorded in the results
  nlohmann::json scenario;    // the resolved scenario, when the points came from one
  std::optional<WireConfig> wire;  // measure the wire (iperf3) in the same run
  std::vector<SkippedPoint> skipped;  // combinations of the sweep that cannot run, with why
  fleet::MpiLink* mpi = nullptr;      // under mpirun with several ranks: this process is rank 0, and leads them
};

int run_points(const RunRequest& request, const std::atomic<bool>& stop_requested);

// "results/run-20261128-231700.json"
std::filesystem::path default_results_path();

}  // namespace kvslo

#pragma once
// The host's noise over a run's points (issue 19 item 4): a snapshot and a
// calibration before them, again after, recorded as the results'
// "host_noise", and one line on stderr when the host was noisy enough to
// move the figures.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/endpoint.hpp"
#include "run/point_outcome.hpp"
#include "system/host_calibration.hpp"
#include "system/host_noise.hpp"

namespace kvslo {

// Over these, the end of the run names the noise.
inline constexpr double kNotableStealPct = 2;
inline constexpr double kNotableOtherCores = 0.2;
inline constexpr double kNotableDrift = 0.10;

class RunNoise {
 public:
  // Calibrates, then snapshots. `server_on_host`: the server's CPU is on
  // this host (embedded, loopback or a unix socket), so it is not "other".
  RunNoise(net::Endpoint server, bool server_on_host);
  // Snapshots, then calibrates again; the record for the results.
  nlohmann::json finish(const std::vector<PointResult>& points);
  // "" when the host was quiet; else one line naming the figures.
  std::string notable() const;

 private:
  double server_cpu_now() const;

  net::Endpoint server_;
  bool server_on_host_;
  Calibration before_, after_;
  std::optional<HostSnapshot> start_;
  double server_cpu_start_ = -1;
  std::optional<HostNoise> noise_;
};

// Whether a Redis at `endpoint` runs on this host: a unix socket or a loopback address.
bool on_this_host(const net::Endpoint& endpoint);

}  // namespace kvslo

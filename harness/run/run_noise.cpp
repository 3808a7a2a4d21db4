#include "run/run_noise.hpp"

#include "experiment/units.hpp"
#include "measure/server_stats.hpp"

namespace kvslo {

bool on_this_host(const net::Endpoint& endpoint) {
  if (endpoint.kind == net::Endpoint::Kind::kUnix) return true;
  const std::string& h = endpoint.host;
  return h == "localhost" || h == "::1" || h.rfind("127.", 0) == 0;
}

RunNoise::RunNoise(net::Endpoint server, bool server_on_host)
    : server_(std::move(server)), server_on_host_(server_on_host), before_(calibrate_host()) {
  try {
    start_ = snapshot_host();
  } catch (const std::exception&) {
    // No /proc (not Linux, a sandbox): the calibration is still recorded.
  }
  server_cpu_start_ = server_cpu_now();
}

double RunNoise::server_cpu_now() const {
  if (!server_on_host_) return -1;
  try {
    return server_cpu_seconds(server_);
  } catch (const std::exception&) {
    return -1;
  }
}

nlohmann::json RunNoise::finish(const std::vector<PointResult>& points) {
  nlohmann::json out;
  if (start_) {
    try {
      const HostSnapshot end = snapshot_host();
      double server_cpu = -1;
      if (const double now = server_cpu_now(); server_cpu_start_ >= 0 && now >= server_cpu_start_) {
        server_cpu = now - server_cpu_start_;
      } else if (server_on_host_) {
        // A restarted server (redis.* axes) counts from zero again: the
        // trials' share is what is known (loads and warm-ups then count as other).
        server_cpu = 0;
        for (const auto& r : points) {
          for (const auto& t : r.measurement.trials) server_cpu += std::max(0.0, t.server_cpu_seconds);
        }
      }
      noise_ = host_noise(*start_, end, server_cpu);
      out = noise_->to_json();
    } catch (const std::exception& e) {
      out["error"] = e.what();
    }
  } else {
    out["error"] = "/proc/stat could not be read";
  }
  after_ = calibrate_host();
  out["before"] = before_.to_json();
  out["after"] = after_.to_json();
  out["calibration_drift"] = calibration_drift(before_, after_);
  return out;
}

std::string RunNoise::notable() const {
  std::string what;
  auto add = [&](const std::string& s) { what += (what.empty() ? "" : "; ") + s; };
  if (noise_ && noise_->steal_pct > kNotableStealPct) add("steal " + format_fixed(noise_->steal_pct, 1) + "% of CPU time");
  if (noise_ && noise_->other_cpu_cores > kNotableOtherCores) {
    add("other processes kept " + format_fixed(noise_->other_cpu_cores, 2) + " cores busy");
  }
  if (const double drift = calibration_drift(before_, after_); drift > kNotableDrift) {
    add("the calibration moved " + format_fixed(drift * 100, 0) + "% (memcpy " + format_fixed(before_.memcpy_gbps, 1) +
        " -> " + format_fixed(after_.memcpy_gbps, 1) + " GB/s, loopback TCP " + format_fixed(before_.loopback_gbps, 2) +
        " -> " + format_fixed(after_.loopback_gbps, 2) + " GB/s)");
  }
  if (what.empty()) return "";
  return "kvslo: the host was noisy during the run: " + what +
         "; compare figures within this run, and see \"host_noise\" in the results";
}

}  // namespace kvslo

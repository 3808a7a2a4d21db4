#pragma once
// A short calibration of the host (about half a second): how fast it copies
// memory and moves bytes over loopback TCP right now. Run before and after
// the points, a drift between the two says the host changed during the run
// (another tenant, a frequency change), whatever the points measured.

#include <nlohmann/json.hpp>

namespace kvslo {

struct Calibration {
  double memcpy_gbps = 0;    // median of a few copies of a 64 MiB buffer
  double loopback_gbps = 0;  // 256 MiB in 4 MiB writes over a 127.0.0.1 TCP connection (0: could not connect)

  nlohmann::json to_json() const { return {{"memcpy_gbps", memcpy_gbps}, {"loopback_tcp_gbps", loopback_gbps}}; }
};

Calibration calibrate_host();

// The larger relative change of the two figures from `before` to `after`
// (0.12: one of them moved by 12%); 0 when a figure is missing.
double calibration_drift(const Calibration& before, const Calibration& after);

}  // namespace kvslo

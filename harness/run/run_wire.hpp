#pragma once
// The wire of a run: where iperf3 measures it (for --wire and the iperf3
// peer), the --wire measurement before any point, and each point's % of wire.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/point_spec.hpp"
#include "experiment/scenario.hpp"
#include "network/wire.hpp"
#include "run/point_outcome.hpp"
#include "run/run_server.hpp"

namespace kvslo {

// By (streams, write length): writes are min(chunk size, kIperfMaxLength).
using WireCurve = std::map<std::pair<int, std::uint64_t>, WireSample>;

// A point's wire: its GB/s and where it came from (gbps 0: none).
struct WireReference {
  double gbps = 0;
  std::string source;
  const PointMeasurement* point = nullptr;  // the iperf3 point, when one of the run's points is the wire
};

class RunWire {
 public:
  // `server` outlives this; a restarted server's endpoint is read when needed.
  RunWire(std::optional<WireConfig> config, const RunServer& server);
  ~RunWire();
  RunWire(const RunWire&) = delete;
  RunWire& operator=(const RunWire&) = delete;

  // The given target, else an iperf3 server of our own beside the embedded
  // Redis (started on first use, kept for the run), else the Redis host.
  // Throws WireError for a unix-socket Redis.
  WireTarget target();
  // iperf3's run length per trial of the iperf3 peer.
  double seconds() const { return config_ ? config_->seconds : 3.0; }
  // Whether the run measures the wire before its points (--wire).
  bool requested() const { return config_.has_value(); }
  // --wire: the wire at the points' stream counts and (capped) chunk sizes.
  // A failure is recorded in the returned "network" object, and the points
  // still run.
  nlohmann::json measure(const std::vector<PointSpec>& points, const std::atomic<bool>& stop);
  const WireCurve& curve() const { return curve_; }
  // Network tuning advice from the measurement ("" when none).
  const std::string& tuning_text() const { return tuning_text_; }
  // The --wire GB/s at the point's streams and (capped) chunk size; 0 when none.
  double measured_gbps(const PointSpec& spec) const;

 private:
  void measure_curve(const WireTarget& target, const std::vector<PointSpec>& points, const std::atomic<bool>& stop,
                     nlohmann::json& network);
  void advise_tuning(const WireTarget& target, const std::vector<PointSpec>& points, nlohmann::json& network);

  std::optional<WireConfig> config_;
  const RunServer& server_;
  std::unique_ptr<EmbeddedIperf> local_iperf_;
  WireCurve curve_;
  std::string tuning_text_;
};

// A point's % of wire: an iperf3 point among `earlier` in the same
// direction, chunk size and streams if there is one, else the --wire
// measurement (an iperf3 point itself has only the latter).
WireReference wire_reference(const std::vector<PointResult>& earlier, const RunWire& wire, const PointSpec& spec);

}  // namespace kvslo

// The wire as a point: iperf3 in the op's direction, at the point's stream
// count, one iperf3 run per trial.
#include "measure/peers/peers.hpp"
#include "measure/point_measurement.hpp"

namespace kvslo {

void run_iperf3_peer(const PointSpec& spec, const PeerContext& context, PointMeasurement& m) {
  const WireTarget target = context.wire.target();
  nlohmann::json runs = nlohmann::json::array();
  for (int t = 0; t < spec.trials; ++t) {
    if (context.stop && *context.stop) {
      m.interrupted = true;
      break;
    }
    const WireSample w = measure_wire(target, spec.streams, spec.chunk_size, context.wire.seconds, spec.op == Op::kGet, context.stop);
    TrialFigures trial;
    trial.seconds = w.seconds;
    trial.bytes = static_cast<std::uint64_t>(w.gbps * 1e9 * w.seconds);
    trial.cpu_seconds = w.local_cpu_percent / 100.0 * w.seconds;
    trial.batches = 0;
    m.trials.push_back(trial);
    runs.push_back(w.to_json());
  }
  m.peer["tool"] = "iperf3";
  m.peer["target"] = target.display();
  m.peer["runs"] = runs;
  m.peer["cpu_note"] = "CPU is iperf3's own on this host, as it reports it (cpu_utilization_percent.host_total)";
}

}  // namespace kvslo

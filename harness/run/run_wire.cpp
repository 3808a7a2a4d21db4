#include "run/run_wire.hpp"

#include <algorithm>
#include <iostream>
#include <set>

#include "experiment/units.hpp"
#include "network/tuning.hpp"
#include "run/side_by_side.hpp"

namespace kvslo {
namespace {

std::pair<int, std::uint64_t> shape_of(const PointSpec& spec) {
  return {spec.streams, std::min(spec.chunk_size, kIperfMaxLength)};
}

}  // namespace

RunWire::RunWire(std::optional<WireConfig> config, const RunServer& server) : config_(std::move(config)), server_(server) {}

RunWire::~RunWire() = default;

WireTarget RunWire::target() {
  if (config_ && !config_->target.empty()) return WireTarget::parse(config_->target);
  if (server_.embedded()) {
    if (!local_iperf_) local_iperf_ = std::make_unique<EmbeddedIperf>();
    return local_iperf_->target();
  }
  const net::Endpoint& endpoint = server_.endpoint();
  if (endpoint.kind == net::Endpoint::Kind::kTcp) return WireTarget{endpoint.host, 5201};
  throw WireError("a unix-socket Redis has no wire to measure");
}

nlohmann::json RunWire::measure(const std::vector<PointSpec>& points, const std::atomic<bool>& stop) {
  nlohmann::json network;
  try {
    const WireTarget wire_target = target();
    network["target"] = wire_target.display();
    measure_curve(wire_target, points, stop, network);
    advise_tuning(wire_target, points, network);
  } catch (const std::exception& e) {
    std::cerr << "\nkvslo: the wire could not be measured: " << e.what() << "\n";
    network["error"] = e.what();
  }
  return network;
}

void RunWire::measure_curve(const WireTarget& wire_target, const std::vector<PointSpec>& points,
                            const std::atomic<bool>& stop, nlohmann::json& network) {
  std::set<std::pair<int, std::uint64_t>> shapes;
  for (const auto& p : points) shapes.insert(shape_of(p));
  nlohmann::json curve = nlohmann::json::array();
  std::vector<WireSample> samples;
  for (const auto& [streams, length] : shapes) {
    if (stop) break;
    std::cerr << "kvslo: wire (iperf3) to " << wire_target.display() << ", " << streams << " streams, "
              << format_size(length) << " writes ..." << std::flush;
    WireSample w = measure_wire(wire_target, streams, length, config_->seconds, false, &stop);
    std::cerr << " " << format_gbps(w.gbps) << "\n";
    curve_[{streams, length}] = w;
    samples.push_back(w);
    curve.push_back(w.to_json());
  }
  network["wire"] = curve;
  network["convergence_streams"] = convergence_streams(samples);
}

void RunWire::advise_tuning(const WireTarget& wire_target, const std::vector<PointSpec>& points, nlohmann::json& network) {
  const auto settings = read_network_settings(wire_target.host);
  network["settings"] = settings.to_json();
  std::uint64_t largest_rcvbuf = 0, largest_sndbuf = 0;
  for (const auto& p : points) {
    if (p.rcvbuf) largest_rcvbuf = std::max<std::uint64_t>(largest_rcvbuf, static_cast<std::uint64_t>(*p.rcvbuf));
    if (p.sndbuf) largest_sndbuf = std::max<std::uint64_t>(largest_sndbuf, static_cast<std::uint64_t>(*p.sndbuf));
  }
  std::vector<WireSample> samples;
  for (const auto& [shape, w] : curve_) samples.push_back(w);
  const TuningAdvice advice = advise(settings, samples, largest_rcvbuf, largest_sndbuf);
  network["advice"] = advice.to_json();
  tuning_text_ = advice.text();
}

double RunWire::measured_gbps(const PointSpec& spec) const {
  const auto w = curve_.find(shape_of(spec));
  return w != curve_.end() && w->second.gbps > 0 ? w->second.gbps : 0;
}

WireReference wire_reference(const std::vector<PointResult>& earlier, const RunWire& wire, const PointSpec& spec) {
  if (const PointMeasurement* point = iperf3_reference(earlier, spec); point && spec.client != "iperf3") {
    return {point->median_gbps(), "iperf3 point of this run (same direction, chunk size and streams)", point};
  }
  if (const double gbps = wire.measured_gbps(spec); gbps > 0) return {gbps, "--wire (iperf3 client to server)"};
  return {};
}

}  // namespace kvslo

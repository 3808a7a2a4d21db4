#include "network/net_command.hpp"

#include <cstdio>
#include <iostream>

#include "exit_codes.hpp"
#include "experiment/scenario.hpp"  // parse_duration
#include "experiment/units.hpp"
#include "network/tuning.hpp"
#include "network/wire.hpp"
#include "system/results_file.hpp"

namespace kvslo {

int net_command(const std::string& net_target, const std::vector<int>& net_streams, const std::string& net_length,
                const std::string& net_duration, const std::string& net_out) {
  try {
    const WireTarget target = WireTarget::parse(net_target);
    const double seconds = static_cast<double>(parse_duration(net_duration).count()) / 1000.0;
    const std::uint64_t length = parse_size(net_length);
    if (!net_out.empty()) check_results_path_is_ours(net_out);
    std::vector<WireSample> curve;
    std::printf("%8s %12s %12s %12s %10s  %s\n", "streams", "GB/s", "Gbit/s", "retransmits", "RTT ms", "write size");
    for (int stream_count : net_streams) {
      WireSample w = measure_wire(target, stream_count, length, seconds);
      std::printf("%8d %12.3f %12.2f %12llu %10.3f  %s%s\n", stream_count, w.gbps, w.gbps * 8,
                  static_cast<unsigned long long>(w.retransmits), w.rtt_ms, format_size(w.length).c_str(),
                  w.length_capped() ? " (capped: iperf3 3.12 writes at most 1MiB)" : "");
      std::fflush(stdout);
      curve.push_back(w);
    }
    const int converged = convergence_streams(curve);
    std::printf("\nconverges at %d streams (the smallest count within 5%% of the best)\n\n", converged);
    const auto settings = read_network_settings(target.host);
    std::printf("host settings: net.core.rmem_max=%llu net.core.wmem_max=%llu tcp_rmem=%s tcp_wmem=%s congestion=%s "
                "qdisc=%s, route to %s via %s (MTU %d)\n\n",
                static_cast<unsigned long long>(settings.rmem_max), static_cast<unsigned long long>(settings.wmem_max),
                nlohmann::json(settings.tcp_rmem).dump().c_str(), nlohmann::json(settings.tcp_wmem).dump().c_str(),
                settings.congestion_control.c_str(), settings.default_qdisc.c_str(), target.host.c_str(),
                settings.interface.empty() ? "?" : settings.interface.c_str(), settings.mtu);
    const TuningAdvice advice = advise(settings, curve);
    std::cout << advice.text() << "kvslo changes no setting itself; these are for you to apply (as root) and persist "
                                  "in /etc/sysctl.d/.\n";
    if (!net_out.empty()) {
      nlohmann::json doc{{"tool", "kvslo net"}, {"target", target.display()}, {"convergence_streams", converged},
                         {"settings", settings.to_json()}, {"advice", advice.to_json()}, {"wire", nlohmann::json::array()}};
      for (const auto& w : curve) doc["wire"].push_back(w.to_json());
      write_file_atomically(net_out, doc.dump(2) + "\n");
    }
    return kExitOk;
  } catch (const std::invalid_argument& e) {
    std::cerr << "kvslo net: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "kvslo net: " << e.what() << "\n";
    return kExitInfrastructure;
  }
}

}  // namespace kvslo

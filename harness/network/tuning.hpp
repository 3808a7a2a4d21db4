#pragma once
// The host's network settings that bound TCP throughput, and what to change:
// from the measured bandwidth and RTT, the bandwidth-delay product, buffer
// sizes and a stream count, as `sysctl -w` lines with the reason for each.
// kvslo only reads settings; it never changes one.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "network/wire.hpp"

namespace kvslo {

struct NetworkSettings {
  std::uint64_t rmem_max = 0, wmem_max = 0;
  std::vector<std::uint64_t> tcp_rmem, tcp_wmem;  // min default max
  std::string congestion_control, default_qdisc;
  std::string interface;  // the one that routes to the target
  int mtu = 0;
  nlohmann::json to_json() const;
};

NetworkSettings read_network_settings(const std::string& target_host);

struct Recommendation {
  std::string command;  // a `sysctl -w ...` line, or advice when no sysctl applies
  std::string why;
};

struct TuningAdvice {
  double bandwidth_gbps = 0;
  double rtt_ms = 0;
  std::uint64_t bdp_bytes = 0;            // bandwidth x RTT, all streams
  std::uint64_t per_stream_bdp_bytes = 0;
  int streams = 0;                         // where the wire converged
  std::uint64_t buffer_bytes = 0;          // recommended per-socket buffer
  std::vector<Recommendation> recommendations;
  nlohmann::json to_json() const;
  std::string text() const;
};

// `largest_request_*`: the largest SO_RCVBUF / SO_SNDBUF the run's points
// asked for (0: none), so a request the kernel would cap gets its own line.
TuningAdvice advise(const NetworkSettings& settings, const std::vector<WireSample>& curve,
                    std::uint64_t largest_request_rcvbuf = 0, std::uint64_t largest_request_sndbuf = 0);

}  // namespace kvslo

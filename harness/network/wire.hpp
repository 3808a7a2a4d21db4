#pragma once
// The wire: raw TCP bandwidth on the same path as Redis, measured with the
// real iperf3 (-J, parsed), so every Redis figure can read as "% of wire".

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/wire_target.hpp"

namespace kvslo {

class WireError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// iperf3 3.12 refuses -l above 1 MiB for TCP; longer chunk sizes are capped
// and the cap is recorded.
inline constexpr std::uint64_t kIperfMaxLength = 1ull << 20;

struct WireSample {
  int streams = 1;
  std::uint64_t length = 0;          // bytes per write iperf3 used
  std::uint64_t length_requested = 0;
  double seconds = 0;
  double gbps = 0;                    // received payload, GB/s (10^9 B/s)
  std::uint64_t retransmits = 0;
  double rtt_ms = 0;                  // mean of the senders' smoothed RTT
  bool reverse = false;               // the server sent (the direction of a GET)
  double local_cpu_percent = 0;       // iperf3's own CPU on this host, % of one core
  bool length_capped() const { return length < length_requested; }
  nlohmann::json to_json() const;
};


// Runs `iperf3 -c` once; `reverse` (-R) has the server send, as Redis does
// for a GET. Throws WireError with what to do when iperf3 is
// missing, no server listens, the server is busy, or the host is unreachable.
// Throws Interrupted when `stop` is raised while iperf3 runs (it is ended).
WireSample measure_wire(const WireTarget& target, int streams, std::uint64_t length, double seconds, bool reverse = false,
                        const std::atomic<bool>* stop = nullptr);

// The smallest stream count within 5% of the best bandwidth.
int convergence_streams(const std::vector<WireSample>& curve);

class ChildProcess;

// An `iperf3 -s` of our own on loopback (free port), stopped on destruction.
class EmbeddedIperf {
 public:
  EmbeddedIperf();
  ~EmbeddedIperf();
  EmbeddedIperf(const EmbeddedIperf&) = delete;
  EmbeddedIperf& operator=(const EmbeddedIperf&) = delete;
  WireTarget target() const { return {"127.0.0.1", port_}; }

 private:
  std::unique_ptr<ChildProcess> server_;
  std::uint16_t port_ = 0;
};

}  // namespace kvslo

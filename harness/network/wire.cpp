#include "network/wire.hpp"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <thread>

#include "system/interrupted.hpp"
#include "net/endpoint.hpp"
#include "net/socket.hpp"
#include "system/child_process.hpp"
#include "system/loopback_port.hpp"
#include "system/subprocess.hpp"

namespace kvslo {
namespace {

std::string iperf3_path() {
  std::string path = find_on_path("iperf3");
  if (path.empty()) {
    throw WireError("iperf3 not found: install it with 'apt-get install iperf3' (or scripts/install-deps.sh), and "
                    "run 'iperf3 -s' on the target host");
  }
  return path;
}

std::string advice_for(const std::string& error, const WireTarget& target) {
  if (error.find("Connection refused") != std::string::npos) {
    return "no iperf3 server on " + target.display() + ": start one there with 'iperf3 -s -p " +
           std::to_string(target.port) + "'";
  }
  if (error.find("busy") != std::string::npos) {
    return "the iperf3 server on " + target.display() + " is busy with another test; wait and try again";
  }
  if (error.find("No route") != std::string::npos || error.find("unreachable") != std::string::npos ||
      error.find("timed out") != std::string::npos || error.find("Name or service") != std::string::npos) {
    return target.display() + " is unreachable (" + error + "): check the address and the firewall (TCP " +
           std::to_string(target.port) + ")";
  }
  return "iperf3 to " + target.display() + " failed: " + error;
}

}  // namespace

nlohmann::json WireSample::to_json() const {
  return {{"streams", streams},       {"length_bytes", length},       {"length_requested_bytes", length_requested},
          {"length_capped", length_capped()}, {"seconds", seconds}, {"gbps", gbps},
          {"gbit_per_s", gbps * 8},   {"retransmits", retransmits},   {"rtt_ms", rtt_ms},
          {"direction", reverse ? "server to client (-R)" : "client to server"},
          {"local_cpu_percent", local_cpu_percent}};
}

WireSample measure_wire(const WireTarget& target, int streams, std::uint64_t length, double seconds, bool reverse,
                        const std::atomic<bool>* stop) {
  WireSample s;
  s.streams = streams;
  s.length_requested = length;
  s.length = std::min(length, kIperfMaxLength);
  s.reverse = reverse;
  std::vector<std::string> argv{iperf3_path(), "-c", target.host, "-p", std::to_string(target.port),
                                      "-P", std::to_string(streams), "-l", std::to_string(s.length),
                                      "-t", std::to_string(seconds), "-J", "--connect-timeout", "3000"};
  if (reverse) argv.push_back("-R");
  const auto timeout = std::chrono::milliseconds(static_cast<long>((seconds + 15) * 1000));
  nlohmann::json j;
  // An iperf3 server takes a moment to reset after a test, and says "busy"
  // until then: a few retries spaced a second apart cover our own back-to-back
  // tests; a server busy with someone else's test still fails with advice.
  for (int attempt = 0;; ++attempt) {
    int exit_code = 0;
    const std::string text = capture_process(argv, timeout, exit_code, stop);
    if (stop && *stop) throw Interrupted("interrupted during iperf3");
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error&) {
      throw WireError(advice_for(exit_code == 127 ? "iperf3 could not be run" : "iperf3 printed no JSON (exit " +
                                                                                    std::to_string(exit_code) + ")",
                                 target));
    }
    if (!j.contains("error")) break;
    const std::string error = j["error"].get<std::string>();
    if (error.find("busy") == std::string::npos || attempt == 4) throw WireError(advice_for(error, target));
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  try {
    const auto& end = j.at("end");
    s.seconds = end.at("sum_received").at("seconds").get<double>();
    s.gbps = end.at("sum_received").at("bits_per_second").get<double>() / 8 / 1e9;
    s.retransmits = end.at("sum_sent").value("retransmits", std::uint64_t{0});
    double rtt_sum = 0;
    int rtt_count = 0;
    for (const auto& stream : end.at("streams")) {
      if (stream.contains("sender") && stream["sender"].contains("mean_rtt")) {
        rtt_sum += stream["sender"]["mean_rtt"].get<double>();
        ++rtt_count;
      }
    }
    if (end.contains("cpu_utilization_percent")) {
      s.local_cpu_percent = end["cpu_utilization_percent"].value("host_total", 0.0);
    }
    s.rtt_ms = rtt_count ? rtt_sum / rtt_count / 1000.0 : 0;  // iperf3 reports microseconds
  } catch (const nlohmann::json::exception& e) {
    throw WireError("iperf3 to " + target.display() + ": unexpected JSON (" + e.what() + ")");
  }
  return s;
}

int convergence_streams(const std::vector<WireSample>& curve) {
  if (curve.empty()) return 0;
  double best = 0;
  for (const auto& s : curve) best = std::max(best, s.gbps);
  int smallest = curve.front().streams;
  bool found = false;
  for (const auto& s : curve) {
    if (s.gbps >= 0.95 * best && (!found || s.streams < smallest)) {
      smallest = s.streams;
      found = true;
    }
  }
  return smallest;
}

namespace {

// Waits until `server` accepts a connection on `port` (iperf3 handles a bare
// connect fine) and holds the listening socket itself; false if it exits
// first (it could not bind) or another process answers there.
bool started_listening(ChildProcess& server, std::uint16_t port) {
  const auto deadline = net::Clock::now() + std::chrono::seconds(5);
  while (net::Clock::now() < deadline && !server.poll_exit()) {
    try {
      net::Socket probe = net::Socket::connect(net::Endpoint::tcp("127.0.0.1", port), {},
                                               net::Clock::now() + std::chrono::milliseconds(200));
      // Where /proc cannot tell, a server still running after the probe is taken as ours.
      return listens_on(server.pid(), port).value_or(!server.poll_exit());
    } catch (const net::NetError&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return false;
}

}  // namespace

EmbeddedIperf::EmbeddedIperf() {
  const std::string path = iperf3_path();
  for (int attempt = 0; attempt < 5 && !server_; ++attempt) {
    port_ = pick_free_port();  // another process may take it first: then retried with a new one
    auto server = std::make_unique<ChildProcess>(ChildOptions{{path, "-s", "-B", "127.0.0.1", "-p", std::to_string(port_)},
                                                              {}, ChildStream::discard(), ChildStream::discard(), SIGKILL});
    if (started_listening(*server, port_)) server_ = std::move(server);  // else its destructor kills it
  }
  if (!server_) throw WireError("could not start an iperf3 server on loopback");
  // The probe connection counts as a test to iperf3; give it a moment to reset.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

EmbeddedIperf::~EmbeddedIperf() {
  if (server_) server_->terminate(std::chrono::seconds(1));
}

}  // namespace kvslo

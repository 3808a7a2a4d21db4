#include "network/tuning.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <sstream>

#include "experiment/units.hpp"
#include "system/child_process.hpp"  // find_on_path
#include "system/subprocess.hpp"

namespace kvslo {
namespace {

std::vector<std::uint64_t> numbers(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::uint64_t> out;
  for (std::uint64_t v; in >> v;) out.push_back(v);
  return out;
}

std::string run_ip_route_get(const std::string& host) {
  // Only a routing-table lookup; no packet is sent. A host that is not a
  // plain name or address (or looks like an option) is not worth asking about.
  if (host.empty() || host.front() == '-') return {};
  for (char c : host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '-')) return {};
  }
  const std::string ip = find_on_path("ip");
  if (ip.empty()) return {};
  return run_captured({ip, "route", "get", host}, std::chrono::seconds(5)).out;
}

std::uint64_t round_up_pow2(std::uint64_t v) {
  std::uint64_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

}  // namespace

nlohmann::json NetworkSettings::to_json() const {
  return {{"net.core.rmem_max", rmem_max}, {"net.core.wmem_max", wmem_max}, {"net.ipv4.tcp_rmem", tcp_rmem},
          {"net.ipv4.tcp_wmem", tcp_wmem}, {"net.ipv4.tcp_congestion_control", congestion_control},
          {"net.core.default_qdisc", default_qdisc}, {"interface", interface}, {"mtu", mtu}};
}

NetworkSettings read_network_settings(const std::string& target_host) {
  NetworkSettings s;
  s.rmem_max = std::strtoull(read_first_line("/proc/sys/net/core/rmem_max").c_str(), nullptr, 10);
  s.wmem_max = std::strtoull(read_first_line("/proc/sys/net/core/wmem_max").c_str(), nullptr, 10);
  s.tcp_rmem = numbers(read_first_line("/proc/sys/net/ipv4/tcp_rmem"));
  s.tcp_wmem = numbers(read_first_line("/proc/sys/net/ipv4/tcp_wmem"));
  s.congestion_control = read_first_line("/proc/sys/net/ipv4/tcp_congestion_control");
  s.default_qdisc = read_first_line("/proc/sys/net/core/default_qdisc");
  const std::string route = run_ip_route_get(target_host);
  std::istringstream words(route);
  for (std::string w; words >> w;) {
    if (w == "dev") words >> s.interface;
  }
  if (!s.interface.empty()) s.mtu = std::atoi(read_first_line("/sys/class/net/" + s.interface + "/mtu").c_str());
  return s;
}

nlohmann::json TuningAdvice::to_json() const {
  nlohmann::json recs = nlohmann::json::array();
  for (const auto& r : recommendations) recs.push_back({{"command", r.command}, {"why", r.why}});
  return {{"bandwidth_gbps", bandwidth_gbps}, {"rtt_ms", rtt_ms}, {"bdp_bytes", bdp_bytes},
          {"per_stream_bdp_bytes", per_stream_bdp_bytes}, {"streams", streams},
          {"buffer_bytes", buffer_bytes}, {"recommendations", recs}};
}

std::string TuningAdvice::text() const {
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof line,
                "bandwidth %.2f GB/s (%.1f Gbit/s), RTT %.3f ms: bandwidth-delay product %s (%s per stream at %d "
                "streams)\n",
                bandwidth_gbps, bandwidth_gbps * 8, rtt_ms, format_size_approx(bdp_bytes).c_str(),
                format_size_approx(per_stream_bdp_bytes).c_str(), streams);
  out << line;
  if (recommendations.empty()) out << "no change recommended: the buffers already cover the bandwidth-delay product\n";
  for (const auto& r : recommendations) out << "  " << r.command << "\n      # " << r.why << "\n";
  return out.str();
}

TuningAdvice advise(const NetworkSettings& s, const std::vector<WireSample>& curve, std::uint64_t largest_request_rcvbuf,
                    std::uint64_t largest_request_sndbuf) {
  TuningAdvice a;
  if (curve.empty()) return a;
  const WireSample* best = &curve.front();
  for (const auto& w : curve) {
    if (w.gbps > best->gbps) best = &w;
  }
  a.bandwidth_gbps = best->gbps;
  a.rtt_ms = best->rtt_ms;
  a.streams = convergence_streams(curve);
  a.bdp_bytes = static_cast<std::uint64_t>(best->gbps * 1e9 * best->rtt_ms / 1e3);
  a.per_stream_bdp_bytes = a.bdp_bytes / static_cast<std::uint64_t>(std::max(1, a.streams));
  // A socket's window is about half its buffer (the kernel keeps the rest
  // for overhead), so the buffer should be twice the per-stream BDP; never
  // below 4 MiB, so one multi-megabyte chunk fits in flight.
  a.buffer_bytes = std::max<std::uint64_t>(4ull << 20, round_up_pow2(2 * a.per_stream_bdp_bytes));
  // A buffer the run asked for explicitly must not be capped either.
  a.buffer_bytes = std::max({a.buffer_bytes, largest_request_rcvbuf, largest_request_sndbuf});
  auto need = [&](std::uint64_t have) { return have < a.buffer_bytes; };
  const std::string size = std::to_string(a.buffer_bytes);
  if (need(s.rmem_max)) {
    a.recommendations.push_back({"sysctl -w net.core.rmem_max=" + size,
                                 "largest SO_RCVBUF a client may request; now " + format_size(s.rmem_max) +
                                     ", below the " + format_size(a.buffer_bytes) + " a stream needs (or the run "
                                     "requested), so larger --rcvbuf requests are silently capped"});
  }
  if (need(s.wmem_max)) {
    a.recommendations.push_back({"sysctl -w net.core.wmem_max=" + size,
                                 "largest SO_SNDBUF a client may request; now " + format_size(s.wmem_max)});
  }
  if (s.tcp_rmem.size() == 3 && need(s.tcp_rmem[2])) {
    a.recommendations.push_back({"sysctl -w net.ipv4.tcp_rmem=\"" + std::to_string(s.tcp_rmem[0]) + " " +
                                     std::to_string(s.tcp_rmem[1]) + " " + size + "\"",
                                 "receive-buffer autotuning stops at the third value (now " +
                                     format_size(s.tcp_rmem[2]) + "): GET replies arrive in this buffer"});
  }
  if (s.tcp_wmem.size() == 3 && need(s.tcp_wmem[2])) {
    a.recommendations.push_back({"sysctl -w net.ipv4.tcp_wmem=\"" + std::to_string(s.tcp_wmem[0]) + " " +
                                     std::to_string(s.tcp_wmem[1]) + " " + size + "\"",
                                 "send-buffer autotuning stops at the third value (now " + format_size(s.tcp_wmem[2]) +
                                     "): SET payloads leave through this buffer (on the Redis host it carries GET replies)"});
  }
  if (s.congestion_control == "bbr" && s.default_qdisc != "fq") {
    a.recommendations.push_back({"sysctl -w net.core.default_qdisc=fq",
                                 "BBR paces its sending and works best with the fq qdisc (now " + s.default_qdisc + ")"});
  }
  if (a.rtt_ms > 1.0 && s.congestion_control != "bbr") {
    a.recommendations.push_back({"sysctl -w net.core.default_qdisc=fq && sysctl -w net.ipv4.tcp_congestion_control=bbr",
                                 "RTT above 1 ms with " + s.congestion_control + ": BBR (with the fq qdisc) keeps "
                                 "long fat pipes full where loss-based control backs off; needs the tcp_bbr module"});
  }
  a.recommendations.push_back({"kvslo run SCENARIO --set streams=" + std::to_string(a.streams),
                               "the wire reached 95% of its best at " + std::to_string(a.streams) +
                                   " streams; fewer leave bandwidth unused, more add contention"});
  return a;
}

}  // namespace kvslo

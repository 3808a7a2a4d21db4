#include "measure/point_measurement.hpp"

#include <algorithm>
#include <cmath>

#include "experiment/client_catalog.hpp"
#include "experiment/fields.hpp"
#include "experiment/units.hpp"
#include "measure/peers/peers.hpp"
#include "measure/point_comparison.hpp"
#include "measure/stats.hpp"

namespace kvslo {
namespace {

nlohmann::json trials_json(const std::vector<TrialFigures>& trials) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : trials) {
    out.push_back({{"bytes", t.bytes},
                   {"seconds", t.seconds},
                   {"gbps", t.gbps()},
                   {"cpu_seconds", t.cpu_seconds},
                   {"server_cpu_seconds", t.server_cpu_seconds >= 0 ? nlohmann::json(t.server_cpu_seconds) : nlohmann::json(nullptr)},
                   {"busy_seconds", t.busy_seconds},
                   {"harness_seconds", t.harness_seconds},
                   {"batches", t.batches},
                   {"failed_keys", t.failed_keys}});
    if (t.round >= 0) out.back()["round"] = t.round;
    if (t.start_seconds >= 0) out.back()["start_s"] = t.start_seconds;
  }
  return out;
}

// Latencies in ms: batches, chunks, the stages of clients that record them,
// and every batch's latency for CDFs (a few hundred numbers per point).
void add_latencies(const PointMeasurement& m, nlohmann::json& j) {
  j["batch_latency"] = kvslo::to_json(summarize(m.batch_latency_ns), 1e-6, "ms");
  nlohmann::json samples = nlohmann::json::array();
  for (double ns : m.batch_latency_ns) samples.push_back(std::round(ns / 1e3) / 1e3);
  j["batch_latency_samples_ms"] = samples;
  j["chunk_latency"] = kvslo::to_json(summarize(m.chunk_latency_ns), 1e-6, "ms");
  if (!m.transfer_ns.empty()) {
    j["stages"] = {{"queue_wait", kvslo::to_json(summarize(m.queue_wait_ns), 1e-6, "ms")},
                   {"transfer", kvslo::to_json(summarize(m.transfer_ns), 1e-6, "ms")},
                   {"handoff", kvslo::to_json(summarize(m.handoff_ns), 1e-6, "ms")}};
    j["worker_bytes"] = m.worker_bytes;
  }
}

// Key outcomes, verification, errors and the connections' socket buffers.
void add_keys_and_connections(const PointMeasurement& m, nlohmann::json& j) {
  nlohmann::json counts = nlohmann::json::object();
  for (std::size_t s = 0; s < kKeyStatusCount; ++s) {
    counts[std::string(to_string(static_cast<KeyStatus>(s)))] = m.status_counts[s];
  }
  j["key_status_counts"] = counts;
  j["verify_failures"] = m.verify_failures;
  j["errors"] = m.errors;
  nlohmann::json conns = nlohmann::json::array();
  std::size_t over_tls = 0, ktls_send = 0, ktls_recv = 0;
  for (const auto& c : m.connections) {
    nlohmann::json conn{{"sndbuf_granted", c.sndbuf_granted}, {"rcvbuf_granted", c.rcvbuf_granted}, {"rcv_wscale", c.rcv_wscale}};
    if (c.tls) {
      conn["tls"] = {{"protocol", c.tls->protocol}, {"cipher", c.tls->cipher}, {"ktls_send", c.tls->ktls_send},
                     {"ktls_recv", c.tls->ktls_recv}};
      ++over_tls;
      ktls_send += c.tls->ktls_send ? 1 : 0;
      ktls_recv += c.tls->ktls_recv ? 1 : 0;
    }
    conns.push_back(std::move(conn));
  }
  j["connections"] = conns;
  nlohmann::json warnings = m.buffer_warnings();
  if (over_tls > 0) {
    // What the wire was, as OpenSSL says, not as asked: kTLS falls back to
    // user space without an error.
    const auto& first = *std::find_if(m.connections.begin(), m.connections.end(), [](const ConnectionInfo& c) { return c.tls; })->tls;
    j["tls_wire"] = {{"connections", over_tls}, {"protocol", first.protocol}, {"cipher", first.cipher},
                     {"ktls_send", ktls_send}, {"ktls_recv", ktls_recv}};
    if (m.spec.tls == TlsMode::kKtls && (ktls_send < over_tls || ktls_recv < over_tls)) {
      warnings.push_back("kTLS was asked for: the kernel took sending on " + std::to_string(ktls_send) + " and receiving on " +
                         std::to_string(ktls_recv) + " of " + std::to_string(over_tls) + " connections (cipher " +
                         first.cipher + "); the rest ran in user space");
    }
  }
  j["warnings"] = warnings;
}

}  // namespace

void PointMeasurement::keep_error(std::string error) {
  constexpr std::size_t kErrorsKept = 10;
  if (errors.size() < kErrorsKept) errors.push_back(std::move(error));
}

std::size_t PointMeasurement::failed_keys() const {
  std::size_t n = 0;
  for (std::size_t s = 0; s < kKeyStatusCount; ++s) {
    if (s != static_cast<std::size_t>(KeyStatus::kOk)) n += status_counts[s];
  }
  return n;
}

std::vector<std::string> PointMeasurement::buffer_warnings() const {
  // Linux grants twice a request (for bookkeeping) unless the request is
  // above net.core.wmem_max / rmem_max, where it is capped without an error.
  std::vector<std::string> out;
  auto check = [&](const std::optional<int>& requested, int ConnectionInfo::*granted, const char* name, const char* sysctl) {
    if (!requested || connections.empty()) return;
    const int got = connections.front().*granted;
    if (static_cast<long>(got) < 2L * *requested) {
      out.push_back(std::string(name) + ": requested " + format_size(static_cast<std::uint64_t>(*requested)) +
                    ", effective " + format_size(static_cast<std::uint64_t>(got / 2)) + ": capped by " + sysctl +
                    " (the kernel reports " + format_size(static_cast<std::uint64_t>(got)) +
                    ", twice the cap); 'kvslo net' prints the sysctl to raise");
    }
  };
  check(spec.sndbuf, &ConnectionInfo::sndbuf_granted, "sndbuf", "net.core.wmem_max");
  check(spec.rcvbuf, &ConnectionInfo::rcvbuf_granted, "rcvbuf", "net.core.rmem_max");
  return out;
}

double PointMeasurement::attainment(double bound_ms) const {
  if (batch_latency_ns.empty()) return 0;
  const double bound_ns = bound_ms * 1e6;
  const auto within = std::count_if(batch_latency_ns.begin(), batch_latency_ns.end(), [&](double v) { return v <= bound_ns; });
  return static_cast<double>(within) / static_cast<double>(batch_latency_ns.size());
}

double PointMeasurement::server_busy() const {
  double cpu = 0, seconds = 0;
  for (const auto& t : trials) {
    if (t.server_cpu_seconds < 0) return -1;
    cpu += t.server_cpu_seconds;
    seconds += t.seconds;
  }
  return seconds > 0 ? cpu / seconds : -1;
}

double PointMeasurement::server_cpu_seconds_per_gb() const {
  double bytes = 0, cpu = 0;
  for (const auto& t : trials) {
    if (t.server_cpu_seconds < 0) return -1;
    bytes += static_cast<double>(t.bytes);
    cpu += t.server_cpu_seconds;
  }
  return bytes > 0 ? cpu / (bytes / 1e9) : -1;
}

double PointMeasurement::cpu_seconds_per_gb() const {
  double bytes = 0, cpu = 0;
  for (const auto& t : trials) {
    bytes += static_cast<double>(t.bytes);
    cpu += t.cpu_seconds;
  }
  return bytes > 0 ? cpu / (bytes / 1e9) : -1;
}

double PointMeasurement::median_gbps() const {
  std::vector<double> v;
  for (const auto& t : trials) v.push_back(t.gbps());
  return spread(v).median;
}

PointFigures PointMeasurement::figures() const {
  PointFigures f;
  f.op = spec.op;
  f.median_gbps = median_gbps();
  f.batch_p99_ms = summarize(batch_latency_ns).p99 / 1e6;
  f.failed_keys = failed_keys();
  f.verify_failures = verify_failures;
  f.completed = failure.empty() && !interrupted && !trials.empty();
  return f;
}

nlohmann::json PointMeasurement::to_json(const Slo& slo) const {
  nlohmann::json j;
  j["parameters"] = spec.to_json();
  // What the point is and how it reads, from the field table and the client
  // catalog: readers (the gate, the report) never rebuild them.
  j["label"] = spec.label();
  j["variant"] = spec.variant();
  j["identity"] = point_identity(j["parameters"]);
  j["client_info"] = client_entry(spec.client).to_json(spec);
  j["failure"] = failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(failure);
  j["trials"] = trials_json(trials);
  std::vector<double> gbps;
  for (const auto& t : trials) gbps.push_back(t.gbps());
  j["throughput_gbps"] = kvslo::to_json(spread(gbps));
  add_latencies(*this, j);
  if (cluster) j["cluster"] = cluster->to_json();
  j["time_limited"] = time_limited;
  j["turn_group"] = turn_group >= 0 ? nlohmann::json(turn_group) : nlohmann::json(nullptr);
  const Interval median = throughput_interval(*this);
  j["throughput_interval"] = median.empty() ? nlohmann::json(nullptr)
                                            : nlohmann::json{{"estimate", median.estimate},
                                                             {"low", median.low},
                                                             {"high", median.high},
                                                             {"confidence", median.confidence},
                                                             {"trials", median.n},
                                                             {"relative_half_width", median.relative_half_width()}};
  // Attainment: the share of batches within the SLO's latency bound; goodput
  // is throughput that came with it.
  if (slo.batch_p99_ms && !batch_latency_ns.empty()) {
    const double share = attainment(*slo.batch_p99_ms);
    j["slo_attainment"] = share;
    j["goodput_gbps"] = spread(gbps).median * share;
  } else {
    j["slo_attainment"] = nullptr;
    j["goodput_gbps"] = nullptr;
  }
  const double cpu_per_gb = cpu_seconds_per_gb();
  j["cpu_seconds_per_gb"] = cpu_per_gb >= 0 ? nlohmann::json(cpu_per_gb) : nlohmann::json(nullptr);
  const double busy = server_busy();
  j["server_busy_cores"] = busy >= 0 ? nlohmann::json(busy) : nlohmann::json(nullptr);
  const double server_per_gb = server_cpu_seconds_per_gb();
  j["server_cpu_seconds_per_gb"] = server_per_gb >= 0 ? nlohmann::json(server_per_gb) : nlohmann::json(nullptr);
  if (quiet_wait) j["server_quiet_wait"] = quiet_wait->to_json();
  add_keys_and_connections(*this, j);
  if (boundary.is_object()) j["boundary"] = boundary;
  if (fleet.is_object()) j["fleet"] = fleet;
  if (client_entry(spec.client).kind != ClientKind::kKvslo) {
    j["peer"] = peer.is_object() ? peer : nlohmann::json::object();
    j["peer"]["limits"] = peer_limits(spec, j["peer"].contains("cluster"));
  } else {
    j["peer"] = nullptr;
  }
  return j;
}

}  // namespace kvslo

#include "run/run_results.hpp"

#include <ctime>

#include "measure/point_comparison.hpp"
#include "system/allocator.hpp"
#include "system/environment.hpp"

namespace kvslo {
namespace {

// An external server is only read: a requested setting it does not have is a warning.
void warn_unmet_settings(const PointSpec& spec, const nlohmann::json& actual, nlohmann::json& point) {
  for (const auto& [key, value] : spec.redis_settings) {
    if (actual.value(key, std::string()) != value) {
      point["warnings"].push_back("requested " + key + "=" + value + " but the external server has " +
                                  actual.value(key, std::string("?")) + "; kvslo never changes an external server");
    }
  }
}

}  // namespace

std::string utc_timestamp(const char* format) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, format, &tm);
  return buffer;
}

nlohmann::json results_header(const RunRequest& request, const nlohmann::json& redis) {
  nlohmann::json document;
  document["tool"] = "kvslo";
  document["created_at"] = utc_timestamp("%Y-%m-%dT%H:%M:%SZ");
  document["command_line"] = request.command_line;
  document["units"] = {{"throughput", "GB/s = 10^9 bytes per second of payload"},
                       {"latency", "ms"},
                       {"sizes", "bytes (KiB/MiB/GiB = 2^10/2^20/2^30, KB/MB/GB = 10^3/10^6/10^9)"}};
  document["environment"] = {{"host", describe_host()},
                             {"build", describe_build()},
                             {"allocator", describe_allocator()},
                             {"redis", redis},
                             {"knobs", measurement_knobs()}};
  if (request.tls || (request.redis_url && request.redis_url->starts_with("rediss://"))) {
    // How a rediss:// server was trusted: paths and switches, never key material.
    const net::TlsSettings tls = request.tls.value_or(net::TlsSettings{});
    document["environment"]["tls_client"] = {{"ca_file", tls.ca_file.empty() ? "the system's trust store" : tls.ca_file},
                                             {"client_certificate", tls.cert_file},
                                             {"server_name", tls.server_name},
                                             {"verify", tls.verify}};
  }
  document["slo"] = request.slo.to_json();
  if (!request.scenario.is_null()) document["scenario"] = request.scenario;
  document["skipped_points"] = nlohmann::json::array();
  for (const auto& skipped : request.skipped) document["skipped_points"].push_back(skipped.to_json());
  return document;
}

nlohmann::json point_entry(const PointResult& result, const Slo& slo, const PointContext& context) {
  const PointMeasurement& m = result.measurement;
  const PointSpec& spec = m.spec;
  nlohmann::json point = m.to_json(slo);
  point["status"] = to_string(result.outcome.status);
  point["slo"] = result.outcome.slo.to_json();
  point["outcome"] = result.outcome.to_json();
  point["index"] = context.index;
  point["redis_settings_actual"] = context.actual_settings;
  if (const WireReference wire = wire_reference(context.earlier, context.wire, spec); wire.gbps > 0) {
    point["wire_gbps"] = wire.gbps;
    point["wire_source"] = wire.source;
    point["pct_of_wire"] = m.median_gbps() / wire.gbps * 100;
    // From the trials, paired by round when the point took turns with the wire.
    if (const Interval share = wire.point ? point_ratio(m, *wire.point, TrialMetric::kThroughput) : Interval{};
        !share.empty()) {
      point["pct_of_wire"] = share.estimate * 100;
      point["pct_of_wire_interval"] = {share.low * 100, share.high * 100};
    }
  }
  if (!context.embedded) warn_unmet_settings(spec, context.actual_settings, point);
  const nlohmann::json knobs = knobs_affecting(spec.client);
  for (const auto& [name, value] : knobs.items()) {
    point["warnings"].push_back(name + "=" + value.get<std::string>() + " was set: " + knob_effect(name));
  }
  point["knobs"] = knobs;
  return point;
}

bool ResultsWriter::save() {
  try {
    file_.write();
    return true;
  } catch (const std::exception& e) {
    error_ = e.what();
    return false;
  }
}

}  // namespace kvslo

#include "fleet/fleet_messages.hpp"

#include <stdexcept>

namespace kvslo::fleet {

std::string pack(const nlohmann::json& message) {
  const std::vector<std::uint8_t> bytes = nlohmann::json::to_msgpack(message);
  return {bytes.begin(), bytes.end()};
}

nlohmann::json unpack(const std::string& bytes) {
  try {
    return nlohmann::json::from_msgpack(bytes);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("a message between ranks could not be read: ") + e.what());
  }
}

nlohmann::json endpoint_message(const net::Endpoint& e, bool with_password) {
  nlohmann::json j = {{"kind", e.kind == net::Endpoint::Kind::kUnix ? "unix" : "tcp"},
                      {"host", e.host},
                      {"port", e.port},
                      {"path", e.path},
                      {"user", e.user},
                      {"password", with_password ? e.password : std::string()},
                      {"cluster", e.cluster}};
  if (e.tls) {
    j["tls"] = {{"ca_file", e.tls->ca_file},         {"cert_file", e.tls->cert_file}, {"key_file", e.tls->key_file},
                {"server_name", e.tls->server_name}, {"verify", e.tls->verify},       {"ktls", e.tls->ktls}};
  }
  return j;
}

net::Endpoint endpoint_from(const nlohmann::json& j) {
  net::Endpoint e;
  e.kind = j.at("kind") == "unix" ? net::Endpoint::Kind::kUnix : net::Endpoint::Kind::kTcp;
  e.host = j.at("host");
  e.port = j.at("port");
  e.path = j.at("path");
  e.user = j.at("user");
  e.password = j.at("password");
  e.cluster = j.at("cluster");
  if (j.contains("tls")) {
    const auto& t = j["tls"];
    net::TlsSettings tls;
    tls.ca_file = t.at("ca_file");
    tls.cert_file = t.at("cert_file");
    tls.key_file = t.at("key_file");
    tls.server_name = t.at("server_name");
    tls.verify = t.at("verify");
    tls.ktls = t.at("ktls");
    e.tls = tls;
  }
  return e;
}

nlohmann::json trial_message(const TrialFigures& t) {
  return {{"bytes", t.bytes},
          {"seconds", t.seconds},
          {"busy_seconds", t.busy_seconds},
          {"harness_seconds", t.harness_seconds},
          {"cpu_seconds", t.cpu_seconds},
          {"batches", t.batches},
          {"failed_keys", t.failed_keys},
          {"window_begin", t.window_begin},
          {"window_end", t.window_end},
          {"batch_marks", t.batch_marks}};
}

TrialFigures trial_from(const nlohmann::json& j) {
  TrialFigures t;
  t.bytes = j.at("bytes");
  t.seconds = j.at("seconds");
  t.busy_seconds = j.at("busy_seconds");
  t.harness_seconds = j.at("harness_seconds");
  t.cpu_seconds = j.at("cpu_seconds");
  t.batches = j.at("batches");
  t.failed_keys = j.at("failed_keys");
  t.window_begin = j.at("window_begin");
  t.window_end = j.at("window_end");
  t.batch_marks = j.at("batch_marks").get<std::vector<std::pair<double, std::uint64_t>>>();
  return t;
}

nlohmann::json measurement_message(const PointMeasurement& m) {
  return {{"batch_latency_ns", m.batch_latency_ns},
          {"chunk_latency_ns", m.chunk_latency_ns},
          {"status_counts", m.status_counts},
          {"verify_failures", m.verify_failures},
          {"errors", m.errors},
          {"connections", m.connections.size()},
          {"failure", m.failure},
          {"interrupted", m.interrupted},
          {"time_limited", m.time_limited}};
}

void merge_measurement(const nlohmann::json& j, const std::string& who, PointMeasurement& into) {
  auto append = [](std::vector<double>& to, const nlohmann::json& from) {
    for (const auto& v : from) to.push_back(v.get<double>());
  };
  append(into.batch_latency_ns, j.at("batch_latency_ns"));
  append(into.chunk_latency_ns, j.at("chunk_latency_ns"));
  const auto counts = j.at("status_counts").get<std::vector<std::size_t>>();
  for (std::size_t s = 0; s < counts.size() && s < into.status_counts.size(); ++s) into.status_counts[s] += counts[s];
  into.verify_failures += j.at("verify_failures").get<std::size_t>();
  for (const auto& e : j.at("errors")) into.keep_error(who + ": " + e.get<std::string>());
  if (const std::string failure = j.at("failure"); !failure.empty() && into.failure.empty()) into.failure = who + ": " + failure;
  into.interrupted = into.interrupted || j.at("interrupted").get<bool>();
  into.time_limited = into.time_limited || j.at("time_limited").get<bool>();
}

}  // namespace kvslo::fleet

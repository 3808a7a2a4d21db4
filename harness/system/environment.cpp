#include "system/environment.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <vector>
#include <sstream>
#include <thread>

#include "cluster/topology_reader.hpp"
#include "command_channel.hpp"
#include "system/redis_info.hpp"
#include "system/subprocess.hpp"

#ifndef KVSLO_GIT_REVISION
#define KVSLO_GIT_REVISION "unknown"
#endif
#ifndef KVSLO_BUILD_TYPE
#define KVSLO_BUILD_TYPE "unknown"
#endif
#ifndef KVSLO_VERSION
#define KVSLO_VERSION "0.0.0"
#endif

namespace kvslo {
namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "unknown";
}

std::uint64_t meminfo_kib(const std::string& field) {
  std::ifstream in("/proc/meminfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) {
      std::istringstream s(line.substr(field.size() + 1));
      std::uint64_t kib = 0;
      s >> kib;
      return kib;
    }
  }
  return 0;
}

struct Knob {
  const char* name;
  const char* effect;
  std::vector<std::string> clients;  // whose points it changes
};

const std::vector<Knob>& knobs() {
  static const std::vector<Knob> list{
      {"KVSLO_DEBUG_BOUNCE_COPY",
       "zerocopy and tiled copy every chunk once more (a deliberate slowdown for testing the gate)",
       {"zerocopy", "tiled"}},
      {"KVSLO_REDIS_BENCHMARK", "the redis-benchmark peer runs this build instead of the one on PATH", {"redis-benchmark"}},
      {"KVSLO_PYTHON", "the Python points and the report run under this interpreter", {"redis-py", "tiled-py"}},
      {"KVSLO_PYTHONPATH", "tiled-py imports the kvslo module measured from this directory", {"tiled-py"}},
      {"KVSLO_MALLOC_DYNAMIC",
       "glibc's malloc keeps its dynamic thresholds: clients that allocate per batch (hiredis SET) may change speed mid-run",
       {"hiredis", "zerocopy", "tiled", "null"}},
      {"KVSLO_REFERENCE_SERVER", "points with server=reference run this kvslo-reference-server build",
       {"hiredis", "zerocopy", "tiled", "tiled-py", "redis-benchmark", "redis-py"}},
      {"KVSLO_SCRIPTS", "helper scripts (the Python points, the report) come from this directory", {"redis-py", "tiled-py"}},
  };
  return list;
}

}  // namespace

nlohmann::json measurement_knobs() {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& knob : knobs()) {
    if (const char* value = std::getenv(knob.name); value && *value) out[knob.name] = value;
  }
  return out;
}

nlohmann::json knobs_affecting(const std::string& client) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& knob : knobs()) {
    const bool affects = std::find(knob.clients.begin(), knob.clients.end(), client) != knob.clients.end();
    if (const char* value = std::getenv(knob.name); affects && value && *value) out[knob.name] = value;
  }
  return out;
}

std::string knob_effect(const std::string& name) {
  for (const auto& knob : knobs()) {
    if (name == knob.name) return knob.effect;
  }
  return "changes what is measured";
}

std::uint64_t available_memory_bytes() { return meminfo_kib("MemAvailable") * 1024; }

nlohmann::json describe_host() {
  utsname u{};
  ::uname(&u);
  char hostname[256] = {};
  ::gethostname(hostname, sizeof hostname - 1);
  nlohmann::json sysctls;
  for (const char* name : {"net/core/rmem_max", "net/core/wmem_max", "net/ipv4/tcp_rmem", "net/ipv4/tcp_wmem",
                           "net/ipv4/tcp_congestion_control", "net/core/default_qdisc"}) {
    std::string key = name;
    for (char& c : key) c = c == '/' ? '.' : c;
    sysctls[key] = read_first_line(std::string("/proc/sys/") + name);
  }
  return {{"hostname", hostname},
          {"cpu_model", cpu_model()},
          {"cpu_cores", std::thread::hardware_concurrency()},
          {"memory_total_bytes", meminfo_kib("MemTotal") * 1024},
          {"kernel", std::string(u.sysname) + " " + u.release},
          {"machine", u.machine},
          {"sysctls", sysctls}};
}

nlohmann::json describe_build() {
  return {{"kvslo_version", KVSLO_VERSION},
          {"git_revision", KVSLO_GIT_REVISION},
          {"build_type", KVSLO_BUILD_TYPE},
          {"compiler", std::string(
#if defined(__clang__)
                           "clang "
#else
                           "gcc "
#endif
                           __VERSION__)}};
}

std::string server_name(const nlohmann::json& redis) {
  if (redis.value("server_name", std::string()) == "kvslo-reference") {
    return "the kvslo reference server " + redis.value("kvslo_reference_version", std::string("?")) + " (not Redis)";
  }
  // Valkey also reports redis_version (7.2.4 for Valkey 8: the Redis it is compatible with), not its own.
  if (redis.value("server_name", std::string()) == "valkey") {
    return "Valkey " + redis.value("valkey_version", std::string("?"));
  }
  return "Redis " + redis.value("redis_version", std::string("?"));
}

namespace {

// A cluster's primaries and the slots each owns, as the node says.
nlohmann::json describe_topology(const net::Endpoint& node) {
  const cluster::ClusterTopology topology = cluster::read_topology(node, std::chrono::milliseconds(3000));
  nlohmann::json shards = nlohmann::json::array();
  for (const auto& shard : topology.shards()) {
    nlohmann::json ranges = nlohmann::json::array();
    for (const auto& r : shard.slots) ranges.push_back({r.first, r.last});
    shards.push_back(
        {{"address", shard.address()}, {"node_id", shard.node_id}, {"slots", shard.slot_count()}, {"slot_ranges", ranges}});
  }
  return {{"shards", shards}, {"description", topology.describe()}};
}

}  // namespace

nlohmann::json describe_redis(const net::Endpoint& endpoint, bool embedded) {
  nlohmann::json out{{"endpoint", endpoint.display()}, {"embedded", embedded}};
  try {
    CommandChannel channel(endpoint, std::chrono::milliseconds(3000));
    const InfoFields info = read_info(channel, "server");
    for (const char* field : {"redis_version", "redis_mode", "os", "arch_bits", "multiplexing_api", "server_name",
                              "valkey_version", "kvslo_reference_version"}) {
      if (auto value = info.find(field)) out[field] = *value;
    }
    const nlohmann::json config = config_get(channel, {"maxmemory", "maxmemory-policy", "io-threads", "io-threads-do-reads",
                                                       "appendonly", "save", "proto-max-bulk-len",
                                                       "client-output-buffer-limit"});
    out["config"] = config;
    if (out.value("redis_mode", std::string()) == "cluster") out["cluster"] = describe_topology(endpoint);
  } catch (const std::exception& e) {
    out["error"] = e.what();
  }
  return out;
}

}  // namespace kvslo

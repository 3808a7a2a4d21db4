#include "measure/server_stats.hpp"

#include <chrono>
#include <string>

#include "cluster/routed_commands.hpp"
#include "command_channel.hpp"
#include "system/redis_info.hpp"

namespace kvslo {
namespace {

constexpr std::chrono::milliseconds kTimeout(3000);

InfoFields info(const net::Endpoint& endpoint, const char* section) {
  CommandChannel channel(endpoint, kTimeout);
  return read_info(channel, section);
}

// The one server, or each primary of a cluster.
std::vector<net::Endpoint> servers(const net::Endpoint& endpoint) {
  if (!endpoint.cluster) return {endpoint};
  return cluster::RoutedCommands(endpoint, kTimeout).primaries();
}

}  // namespace

std::vector<NodeCpu> server_cpu_by_node(const net::Endpoint& endpoint) {
  std::vector<NodeCpu> out;
  for (const auto& node : servers(endpoint)) {
    const InfoFields cpu = info(node, "cpu");
    out.push_back({node.host + ":" + std::to_string(node.port), cpu.number("used_cpu_user") + cpu.number("used_cpu_sys")});
  }
  return out;
}

double server_cpu_seconds(const net::Endpoint& endpoint) {
  double sum = 0;
  for (const auto& node : server_cpu_by_node(endpoint)) sum += node.seconds;
  return sum;
}

std::uint64_t keyspace_misses(const net::Endpoint& endpoint) {
  std::uint64_t sum = 0;
  for (const auto& node : servers(endpoint)) sum += std::stoull(info(node, "stats").at("keyspace_misses"));
  return sum;
}

}  // namespace kvslo

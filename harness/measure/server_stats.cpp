#include "measure/server_stats.hpp"

#include <algorithm>
#include <chrono>
#include <string>

#include "cluster/redirect.hpp"
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
    out.push_back({cluster::node_address(node), cpu.number("used_cpu_user") + cpu.number("used_cpu_sys")});
  }
  return out;
}

std::vector<NodeCpu> cpu_deltas(const std::vector<NodeCpu>& before, const std::vector<NodeCpu>& after) {
  std::vector<NodeCpu> out;
  for (const auto& a : after) {
    const auto b = std::find_if(before.begin(), before.end(), [&](const NodeCpu& n) { return n.address == a.address; });
    if (b != before.end()) out.push_back({a.address, a.seconds - b->seconds});
  }
  return out;
}

std::optional<double> cpu_spent(const std::vector<NodeCpu>& before, const std::vector<NodeCpu>& after) {
  const std::vector<NodeCpu> deltas = cpu_deltas(before, after);
  if (before.empty() || deltas.size() != before.size() || deltas.size() != after.size()) return std::nullopt;
  double sum = 0;
  for (const auto& d : deltas) sum += d.seconds;
  return sum;
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

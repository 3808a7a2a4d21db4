#include "system/embedded_cluster.hpp"

#include <thread>

#include "cluster/topology_reader.hpp"
#include "command_channel.hpp"
#include "system/loopback_port.hpp"

namespace kvslo {
namespace {

using namespace std::chrono_literals;

// A line "key:value" of an INFO-style text (CLUSTER INFO), or "".
std::string info_field(const std::string& text, const std::string& key) {
  const auto at = text.find(key + ":");
  if (at == std::string::npos) return "";
  const auto start = at + key.size() + 1;
  return text.substr(start, text.find_first_of("\r\n", start) - start);
}

}  // namespace

EmbeddedCluster::EmbeddedCluster(EmbeddedClusterOptions options) : options_(std::move(options)) {
  if (options_.primaries < 1 || options_.primaries > static_cast<int>(cluster::kSlotCount)) {
    throw std::invalid_argument("an embedded cluster needs 1 to 16384 primaries (got " + std::to_string(options_.primaries) + ")");
  }
  if (options_.kind == ServerKind::kReference) throw std::invalid_argument("the reference server has no cluster mode");
  for (int i = 0; i < options_.primaries; ++i) {
    EmbeddedRedisOptions node;
    node.kind = options_.kind;
    node.maxmemory_bytes = options_.maxmemory_bytes_per_node;
    node.requirepass = options_.requirepass;
    // The bus on a port of its own: port + 10000 may be taken, or past 65535.
    bus_ports_.push_back(pick_free_port());
    node.config = {{"cluster-enabled", "yes"},
                   {"cluster-config-file", "nodes.conf"},  // in the node's private directory
                   {"cluster-node-timeout", "5000"},
                   {"cluster-port", std::to_string(bus_ports_.back())}};
    if (!options_.requirepass.empty()) node.config.emplace_back("masterauth", options_.requirepass);
    node.config.insert(node.config.end(), options_.config.begin(), options_.config.end());
    nodes_.push_back(std::make_unique<EmbeddedRedis>(std::move(node)));
  }
  form();
}

EmbeddedCluster::~EmbeddedCluster() = default;  // each node stops with its EmbeddedRedis

void EmbeddedCluster::form() {
  const auto n = nodes_.size();
  for (std::size_t i = 0; i < n; ++i) {
    // Balanced contiguous ranges: the first 16384 % n nodes get one slot more.
    const std::size_t base = cluster::kSlotCount / n, extra = cluster::kSlotCount % n;
    const std::size_t first = i * base + std::min(i, extra), count = base + (i < extra ? 1 : 0);
    CommandChannel channel(nodes_[i]->endpoint(), 5000ms);
    channel.call_ok({"CLUSTER", "ADDSLOTSRANGE", std::to_string(first), std::to_string(first + count - 1)});
  }
  CommandChannel seed(nodes_[0]->endpoint(), 5000ms);
  for (std::size_t i = 1; i < n; ++i) {
    // MEET names the bus port after the client port (it is not port + 10000 here).
    seed.call_ok({"CLUSTER", "MEET", "127.0.0.1", std::to_string(nodes_[i]->port()), std::to_string(bus_ports_[i])});
  }
  wait_until_formed(std::chrono::steady_clock::now() + options_.form_timeout);
}

void EmbeddedCluster::wait_until_formed(std::chrono::steady_clock::time_point deadline) const {
  const std::string want_nodes = std::to_string(nodes_.size());
  std::string last;
  for (;;) {
    bool all = true;
    for (const auto& node : nodes_) {
      CommandChannel channel(node->endpoint(), 5000ms);
      const std::string info = channel.call_ok({"CLUSTER", "INFO"}).text;
      if (info_field(info, "cluster_state") != "ok" || info_field(info, "cluster_known_nodes") != want_nodes ||
          info_field(info, "cluster_slots_assigned") != std::to_string(cluster::kSlotCount)) {
        all = false;
        last = "node 127.0.0.1:" + std::to_string(node->port()) + " says cluster_state:" + info_field(info, "cluster_state") +
               ", cluster_known_nodes:" + info_field(info, "cluster_known_nodes") +
               ", cluster_slots_assigned:" + info_field(info, "cluster_slots_assigned");
        break;
      }
    }
    if (all) return;
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("the embedded cluster of " + want_nodes + " primaries did not form in time: " + last);
    }
    std::this_thread::sleep_for(50ms);
  }
}

cluster::ClusterTopology EmbeddedCluster::topology() const { return cluster::read_topology(endpoint(), 5000ms); }

}  // namespace kvslo

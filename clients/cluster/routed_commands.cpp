#include "cluster/routed_commands.hpp"

#include <stdexcept>
#include <thread>

#include "cluster/key_slot.hpp"
#include "cluster/redirect.hpp"
#include "cluster/topology_reader.hpp"

namespace kvslo::cluster {
RoutedCommands::RoutedCommands(net::Endpoint endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {
  if (endpoint_.cluster) {
    topology_ = std::make_unique<ClusterTopology>(read_topology(endpoint_, timeout_));
    topology_->require_full_coverage();
  }
}

RoutedCommands::~RoutedCommands() = default;

CommandChannel& RoutedCommands::channel(const net::Endpoint& node) {
  auto& c = channels_[node_address(node)];
  if (!c) c = std::make_unique<CommandChannel>(node, timeout_);
  return *c;
}

net::Endpoint RoutedCommands::owner_of(std::string_view key) const {
  if (!topology_) return endpoint_;
  const std::uint16_t slot = key_slot(key);
  const int shard = topology_->shard_of(slot);
  if (shard < 0) throw std::runtime_error("slot " + std::to_string(slot) + " is served by no primary (" + topology_->describe() + ")");
  return node_endpoint(endpoint_, topology_->shards()[static_cast<std::size_t>(shard)].address());
}

std::int64_t RoutedCommands::send(std::string_view command, std::span<const std::string> keys) {
  std::vector<std::string_view> args{command};
  for (const auto& k : keys) args.push_back(k);
  std::string asked;  // the node an ASK named: the slot is moving there
  for (int attempt = 1;; ++attempt) {
    const net::Endpoint target = asked.empty() ? owner_of(keys.front()) : node_endpoint(endpoint_, asked);  // a group shares a slot
    if (!asked.empty()) channel(target).call_ok({"ASKING"});
    const resp::Reply reply = channel(target).call(args);
    if (reply.type == resp::Reply::Type::kInteger) return reply.integer;
    const bool retry = topology_ && attempt < kMaxRedirects && reply.is_error();
    if (retry && !redirect_target(reply.text, "MOVED").empty()) {
      *topology_ = read_topology(endpoint_, timeout_);  // the slot moved: ask again who owns it
      asked.clear();
      continue;
    }
    if (retry && !(asked = redirect_target(reply.text, "ASK")).empty()) continue;
    if (retry && reply.text.rfind("TRYAGAIN", 0) == 0) {
      // The group's keys are split between the two ends of a migration for now.
      std::this_thread::sleep_for(std::chrono::milliseconds(50) * attempt);
      continue;
    }
    throw std::runtime_error(std::string(command) + " " + keys.front() + (keys.size() > 1 ? " ..." : "") + " on " +
                             target.display() + ": " + reply.describe());
  }
}

std::int64_t RoutedCommands::sum_over_keys(std::string_view command, std::span<const std::string> keys) {
  if (keys.empty()) return 0;
  if (!topology_) return send(command, keys);
  std::map<std::uint16_t, std::vector<std::string>> by_slot;
  for (const auto& k : keys) by_slot[key_slot(k)].push_back(k);
  std::int64_t sum = 0;
  for (const auto& [slot, group] : by_slot) sum += send(command, group);
  return sum;
}

std::vector<net::Endpoint> RoutedCommands::primaries() const {
  if (!topology_) return {endpoint_};
  std::vector<net::Endpoint> out;
  for (const auto& s : topology_->shards()) out.push_back(node_endpoint(endpoint_, s.address()));
  return out;
}

}  // namespace kvslo::cluster

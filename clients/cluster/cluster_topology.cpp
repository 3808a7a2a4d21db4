#include "cluster/cluster_topology.hpp"

#include <algorithm>

namespace kvslo::cluster {
namespace {

using resp::Reply;

[[noreturn]] void refuse(const std::string& where, const std::string& what, const Reply& got) {
  std::string shown = got.describe();
  if (shown.size() > 120) shown = shown.substr(0, 120) + "...";
  throw TopologyError(where + ": expected " + what + ", got " + shown);
}

const Reply& array_of(const Reply& r, const std::string& where, std::size_t at_least = 0) {
  if (r.type != Reply::Type::kArray || r.elements.size() < at_least) {
    refuse(where, "an array" + (at_least ? " of at least " + std::to_string(at_least) : std::string()), r);
  }
  return r;
}

std::uint16_t slot_number(const Reply& r, const std::string& where) {
  if (r.type != Reply::Type::kInteger || r.integer < 0 || r.integer >= kSlotCount) refuse(where, "a slot from 0 to 16383", r);
  return static_cast<std::uint16_t>(r.integer);
}

std::uint16_t port_number(const Reply& r, const std::string& where) {
  if (r.type != Reply::Type::kInteger || r.integer < 1 || r.integer > 65535) refuse(where, "a port from 1 to 65535", r);
  return static_cast<std::uint16_t>(r.integer);
}

std::string text_of(const Reply& r) { return r.type == Reply::Type::kBulk || r.type == Reply::Type::kSimpleString ? r.text : ""; }

SlotRange slot_range(const Reply& first, const Reply& last, const std::string& where) {
  SlotRange range{slot_number(first, where), slot_number(last, where)};
  if (range.last < range.first) refuse(where, "a range whose end is not before its start", last);
  return range;
}

// A flat map reply (RESP2: key, value, key, value ...) looked up by key.
const Reply* field(const Reply& map, std::string_view key) {
  for (std::size_t i = 0; i + 1 < map.elements.size(); i += 2) {
    if (text_of(map.elements[i]) == key) return &map.elements[i + 1];
  }
  return nullptr;
}

// Where clients reach a node: its announced endpoint unless it is unknown
// ("?", or empty when the node does not know its own address), else its IP.
std::string reachable_host(const Reply& node) {
  for (const char* key : {"endpoint", "ip"}) {
    const Reply* v = field(node, key);
    const std::string text = v ? text_of(*v) : "";
    if (!text.empty() && text != "?") return text;
  }
  return "";
}

}  // namespace

void ClusterTopology::add(Shard shard) {
  auto same = std::find_if(shards_.begin(), shards_.end(), [&](const Shard& s) { return s.node_id == shard.node_id; });
  const int index = same == shards_.end() ? static_cast<int>(shards_.size()) : static_cast<int>(same - shards_.begin());
  for (const auto& range : shard.slots) {
    for (unsigned slot = range.first; slot <= range.last; ++slot) {
      if (owner_[slot] != -1 && owner_[slot] != index) {
        throw TopologyError("slot " + std::to_string(slot) + " is owned by two primaries (" +
                            shards_[static_cast<std::size_t>(owner_[slot])].address() + " and " + shard.address() + ")");
      }
      owner_[slot] = index;
    }
  }
  if (same == shards_.end()) {
    shards_.push_back(std::move(shard));
  } else {
    same->slots.insert(same->slots.end(), shard.slots.begin(), shard.slots.end());
  }
}

ClusterTopology ClusterTopology::from_shards(const Reply& reply, const std::string& asked_host) {
  ClusterTopology t;
  array_of(reply, "CLUSTER SHARDS");
  for (std::size_t s = 0; s < reply.elements.size(); ++s) {
    const std::string where = "CLUSTER SHARDS shard " + std::to_string(s);
    const Reply& shard = array_of(reply.elements[s], where);
    const Reply* slots = field(shard, "slots");
    const Reply* nodes = field(shard, "nodes");
    if (!slots || !nodes) refuse(where, "\"slots\" and \"nodes\"", shard);
    array_of(*slots, where + " slots");
    if (slots->elements.size() % 2 != 0) refuse(where + " slots", "start and end pairs", *slots);
    Shard out;
    for (std::size_t i = 0; i < slots->elements.size(); i += 2) {
      out.slots.push_back(slot_range(slots->elements[i], slots->elements[i + 1], where + " slots"));
    }
    bool found = false;
    for (const auto& node : array_of(*nodes, where + " nodes").elements) {
      array_of(node, where + " node");
      const Reply* role = field(node, "role");
      if (!role || text_of(*role) != "master") continue;  // RESP names primaries "master"
      const Reply* id = field(node, "id");
      const Reply* port = field(node, "port");
      if (!id || !port) refuse(where + " primary", "\"id\" and \"port\"", node);
      out.node_id = text_of(*id);
      out.host = reachable_host(node);
      if (out.host.empty()) out.host = asked_host;
      out.port = port_number(*port, where + " primary port");
      if (out.host.empty()) refuse(where + " primary", "an \"endpoint\" or \"ip\"", node);
      found = true;
      break;
    }
    if (!found) {
      if (out.slots.empty()) continue;  // a shard with no slots and no primary serves nothing
      refuse(where, "a primary (role \"master\") for its slots", shard);
    }
    if (!out.slots.empty()) t.add(std::move(out));
  }
  return t;
}

ClusterTopology ClusterTopology::from_slots(const Reply& reply, const std::string& asked_host) {
  ClusterTopology t;
  array_of(reply, "CLUSTER SLOTS");
  for (std::size_t r = 0; r < reply.elements.size(); ++r) {
    const std::string where = "CLUSTER SLOTS range " + std::to_string(r);
    const Reply& range = array_of(reply.elements[r], where, 3);
    const Reply& primary = array_of(range.elements[2], where + " primary", 2);
    Shard out;
    out.slots.push_back(slot_range(range.elements[0], range.elements[1], where));
    out.host = text_of(primary.elements[0]);
    if (out.host.empty()) out.host = asked_host;
    out.port = port_number(primary.elements[1], where + " primary port");
    out.node_id = primary.elements.size() >= 3 ? text_of(primary.elements[2]) : out.address();
    if (out.host.empty() || out.host == "?") refuse(where + " primary", "a host", primary);
    t.add(std::move(out));
  }
  return t;
}

void ClusterTopology::require_full_coverage() const {
  for (unsigned slot = 0; slot < kSlotCount; ++slot) {
    if (owner_[slot] != -1) continue;
    unsigned last = slot;
    while (last + 1 < kSlotCount && owner_[last + 1] == -1) ++last;
    const unsigned count = last - slot + 1;
    throw TopologyError((count == 1 ? "slot " + std::to_string(slot)
                                    : "slots " + std::to_string(slot) + "-" + std::to_string(last)) +
                        " (" + std::to_string(count) + (count == 1 ? " slot" : " slots") +
                        ") are served by no primary: the cluster does not cover every slot");
  }
}

std::string ClusterTopology::describe() const {
  std::string out = std::to_string(shards_.size()) + (shards_.size() == 1 ? " shard" : " shards");
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    out += (i == 0 ? ": " : ", ") + shards_[i].address() + " owns ";
    for (std::size_t r = 0; r < shards_[i].slots.size(); ++r) {
      const auto& range = shards_[i].slots[r];
      out += (r == 0 ? "" : " ") + std::to_string(range.first) +
             (range.last != range.first ? "-" + std::to_string(range.last) : std::string());
    }
  }
  return out;
}

}  // namespace kvslo::cluster

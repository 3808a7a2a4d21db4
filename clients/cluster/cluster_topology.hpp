#pragma once
// Who serves which slots in a Redis Cluster: its shards (a primary each, and
// the slot ranges it owns), read from CLUSTER SHARDS (Redis 7.0 and later) or
// CLUSTER SLOTS (older servers). Pure: it reads replies, it does no I/O.
// Replicas are not kept: kvslo reads and writes primaries.

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cluster/key_slot.hpp"
#include "resp/reply.hpp"

namespace kvslo::cluster {

// A reply that is not a topology, or a topology kvslo cannot use.
class TopologyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SlotRange {
  std::uint16_t first = 0, last = 0;  // inclusive, as Redis writes them
};

struct Shard {
  std::string node_id;  // the primary's node id (CLUSTER SHARDS and SLOTS both give it)
  std::string host;     // where clients reach the primary
  std::uint16_t port = 0;
  std::vector<SlotRange> slots;
  std::string address() const { return host + ":" + std::to_string(port); }
  std::size_t slot_count() const {
    std::size_t n = 0;
    for (const auto& r : slots) n += static_cast<std::size_t>(r.last - r.first + 1);
    return n;
  }
};

class ClusterTopology {
 public:
  // Throw TopologyError naming the element that does not fit. A node that
  // does not know its own address (an empty endpoint and IP: a one-node
  // cluster never met another) is reached at `asked_host`, the host the
  // reply came from, as Redis's documentation tells clients to do.
  static ClusterTopology from_shards(const resp::Reply& reply, const std::string& asked_host = "");
  static ClusterTopology from_slots(const resp::Reply& reply, const std::string& asked_host = "");

  const std::vector<Shard>& shards() const { return shards_; }
  // The index in shards() of the shard that owns `slot`, or -1 when none does.
  int shard_of(std::uint16_t slot) const { return owner_[slot]; }
  // Throws TopologyError naming the first range of slots no primary serves
  // ("slots 5461-5470 (10 slots) are served by no primary").
  void require_full_coverage() const;
  // "3 shards: 127.0.0.1:7000 owns 0-5460, 127.0.0.1:7001 owns 5461-10922, ..."
  std::string describe() const;

 private:
  // Adds `shard`, merging it with one of the same primary; slots owned twice are refused.
  void add(Shard shard);

  std::vector<Shard> shards_;
  std::array<int, kSlotCount> owner_ = make_unowned();
  static std::array<int, kSlotCount> make_unowned() {
    std::array<int, kSlotCount> a{};
    a.fill(-1);
    return a;
  }
};

}  // namespace kvslo::cluster

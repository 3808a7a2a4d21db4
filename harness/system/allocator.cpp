#include "system/allocator.hpp"

#include "malloc_hold.hpp"

namespace kvslo {
namespace {

nlohmann::json& state() {
  static nlohmann::json s = nlohmann::json::object();
  return s;
}

}  // namespace

void settle_allocator() {
  const MallocHold hold = hold_malloc();
  state() = {{"fixed", hold.fixed}, {"note", hold.note}};
  if (hold.fixed) {
    state()["mmap_threshold_bytes"] = kHeldMmapThreshold;
    state()["trim_threshold_bytes"] = kHeldTrimThreshold;
  }
}

nlohmann::json describe_allocator() { return state(); }

}  // namespace kvslo

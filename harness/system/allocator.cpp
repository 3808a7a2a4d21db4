#include "system/allocator.hpp"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace kvslo {
namespace {

constexpr int kMmapThreshold = 32 << 20;  // glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit
constexpr int kTrimThreshold = 1 << 30;   // the heap's top is kept: no fault-in per batch

nlohmann::json& state() {
  static nlohmann::json s = nlohmann::json::object();
  return s;
}

// A malloc setting of glibc's that the user made (their choice wins).
const char* users_malloc_setting() {
  for (const char* name : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"}) {
    if (const char* value = std::getenv(name); value && *value) return name;
  }
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables && std::strstr(tunables, "glibc.malloc.") ? "GLIBC_TUNABLES" : nullptr;
}

}  // namespace

void settle_allocator() {
  if (const char* dynamic = std::getenv("KVSLO_MALLOC_DYNAMIC"); dynamic && *dynamic && std::string(dynamic) != "0") {
    state() = {{"fixed", false}, {"note", "glibc's dynamic thresholds (KVSLO_MALLOC_DYNAMIC): they may change mid-run"}};
    return;
  }
  if (const char* name = users_malloc_setting()) {
    state() = {{"fixed", false}, {"note", std::string("as set in the environment (") + name + ")"}};
    return;
  }
  const bool set = ::mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1 && ::mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1;
  state() = {{"fixed", set},
             {"mmap_threshold_bytes", kMmapThreshold},
             {"trim_threshold_bytes", kTrimThreshold},
             {"note", set ? "glibc malloc held in a long-running process's state for the whole run"
                          : "mallopt refused: glibc's dynamic thresholds, which may change mid-run"}};
}

nlohmann::json describe_allocator() { return state(); }

}  // namespace kvslo

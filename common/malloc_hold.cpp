#include "malloc_hold.hpp"

#include <malloc.h>

#include <cstdlib>
#include <cstring>

namespace kvslo {
namespace {

// A malloc setting of glibc's that the user made (their choice wins).
const char* users_malloc_setting() {
  for (const char* name : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"}) {
    if (const char* value = std::getenv(name); value && *value) return name;
  }
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables && std::strstr(tunables, "glibc.malloc.") ? "GLIBC_TUNABLES" : nullptr;
}

}  // namespace

MallocHold hold_malloc() {
  if (const char* dynamic = std::getenv("KVSLO_MALLOC_DYNAMIC"); dynamic && *dynamic && std::strcmp(dynamic, "0") != 0) {
    return {false, "glibc's dynamic thresholds (KVSLO_MALLOC_DYNAMIC): they may change mid-run"};
  }
  if (const char* name = users_malloc_setting()) return {false, std::string("as set in the environment (") + name + ")"};
  const bool set = ::mallopt(M_MMAP_THRESHOLD, kHeldMmapThreshold) == 1 && ::mallopt(M_TRIM_THRESHOLD, kHeldTrimThreshold) == 1;
  return {set, set ? "glibc malloc held in a long-running process's state for the whole run"
                   : "mallopt refused: glibc's dynamic thresholds, which may change mid-run"};
}

}  // namespace kvslo

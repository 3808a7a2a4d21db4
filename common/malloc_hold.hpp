#pragma once
// glibc's malloc, held in one state for a process's whole life. By default it
// gives every block over 128 KiB its own mmap and trims the heap top on free,
// and raises both thresholds by itself the first time it frees a large
// mmapped block: mid-run, at a moment set by what ran before. A process that
// allocates per batch or per value then runs at two speeds in one run (4 MiB
// SETs through hiredis: 0.7-1.0 GB/s while every batch page-faults its buffer
// in, 1.6-3.0 GB/s once malloc keeps the memory; measured here). kvslo and
// its reference server fix the thresholds where a long-running process ends
// up (mmap at glibc's dynamic maximum, 32 MiB; heap top kept) before any work
// starts. MALLOC_*_ variables or a glibc.malloc tunable in the environment, or
// KVSLO_MALLOC_DYNAMIC=1, leave glibc's own behaviour.

#include <string>

namespace kvslo {

inline constexpr int kHeldMmapThreshold = 32 << 20;  // glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit
inline constexpr int kHeldTrimThreshold = 1 << 30;   // the heap's top is kept: no fault-in per batch

struct MallocHold {
  bool fixed = false;  // both thresholds were set
  std::string note;    // what was done and why, one line for the results
};

// Called once, first thing in main, before any thread starts.
MallocHold hold_malloc();

}  // namespace kvslo

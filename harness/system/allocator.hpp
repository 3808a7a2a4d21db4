#pragma once
// glibc's malloc, held in one state for the whole run. By default it gives
// every block over 128 KiB its own mmap and trims the heap top on free, and
// raises both thresholds by itself the first time it frees a large mmapped
// block: mid-run, at a moment set by what ran before. A client that
// allocates per batch (hiredis builds each pipeline's SETs in a buffer that
// grows and is freed) then runs at two speeds in one run: 4 MiB SETs at
// 0.7-1.0 GB/s while every batch page-faults its buffer in, 1.6-3.0 GB/s
// once malloc keeps the memory (measured here; the paired ratios straddled
// their bars). This is kvslo's own process; the reference server does the
// same for itself, the peers and redis-server keep their own. kvslo fixes the thresholds where a long-running process ends
// up (mmap at glibc's dynamic maximum, 32 MiB; heap kept), before any client
// runs, and records it. MALLOC_*_ variables in the environment, or
// KVSLO_MALLOC_DYNAMIC=1, leave glibc's own behaviour (also recorded).

#include <nlohmann/json.hpp>

namespace kvslo {

// Called once, first thing in main.
void settle_allocator();
// What settle_allocator did, for the results' environment.
nlohmann::json describe_allocator();

}  // namespace kvslo

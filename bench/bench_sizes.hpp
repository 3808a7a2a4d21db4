#pragma once
// The sizes the micro-benchmarks run at: the KV-cache chunk range, with 4 MiB
// (the bar's size) in the middle.

#include <benchmark/benchmark.h>

namespace kvslo::bench {

inline void chunk_sizes(benchmark::internal::Benchmark* b) {
  for (long size : {512L << 10, 4L << 20, 40L << 20}) b->Arg(size);
}

}  // namespace kvslo::bench

#pragma once
// One measured configuration: which client, which op, which sizes, how many
// trials. Everything that shapes a number is here and goes into the results.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace kvslo {

struct PointSpec {
  std::string client = "zerocopy";
  std::string op = "get";  // get | set | exists
  std::uint64_t chunk_size = 4ull << 20;
  std::size_t chunks_per_batch = 64;
  std::uint64_t working_set = 1ull << 30;
  int streams = 1;
  int threads = 1;
  int pipeline_depth = 8;
  bool fixed_size = true;
  std::optional<int> sndbuf;
  std::optional<int> rcvbuf;
  std::optional<std::uint64_t> tile_bytes;  // tiled: tile size instead of one tile per thread
  int inflight = 1;                          // tiled: batches served at once
  int trials = 3;
  int warmup_batches = 2;
  std::size_t batches_per_trial = 0;  // 0: one pass over the working set
  bool verify = true;
  std::string key_prefix = "kvslo";
  std::chrono::milliseconds op_timeout{10000};

  std::size_t key_count() const { return static_cast<std::size_t>(working_set / chunk_size); }
  std::size_t batches() const;
  std::uint64_t batch_bytes() const { return chunk_size * chunks_per_batch; }
  // Throws std::invalid_argument naming the first impossible setting.
  void validate() const;
  nlohmann::json to_json() const;
  // "zerocopy get 4MiB x64 s1 d8": for progress lines.
  std::string label() const;
};

}  // namespace kvslo

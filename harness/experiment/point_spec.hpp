#pragma once
// One measured configuration: which client, which op, which sizes, how many
// trials. Everything that shapes a number is here and goes into the results.
// How each member is read, checked, recorded and shown is in fields.cpp.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "experiment/point_enums.hpp"

namespace kvslo {

// The largest values a point may ask for: far above anything measured here,
// low enough that every count fits an int and no size or product overflows.
// Scenario files and flags beyond them are refused before anything runs.
namespace limits {
inline constexpr int kMaxStreams = 1024;
inline constexpr int kMaxThreads = 1024;
inline constexpr int kMaxPipelineDepth = 4096;
inline constexpr std::size_t kMaxChunksPerBatch = 1'000'000;
inline constexpr int kMaxInflight = 64;
inline constexpr int kMaxPyTasks = 1024;
inline constexpr int kMaxTrials = 10'000;
inline constexpr double kMinPrecision = 0.001;  // 0.1%: finer would only burn rounds
inline constexpr int kMaxWarmupBatches = 1'000'000;
inline constexpr std::size_t kMaxBatchesPerTrial = 100'000'000;
inline constexpr std::int64_t kMaxOpTimeoutMs = 3'600'000;  // an hour
inline constexpr int kMaxRedisIoThreads = 128;
inline constexpr int kMaxShards = 16;  // an embedded cluster's primaries
inline constexpr double kMaxRatePerS = 1e6;                  // batches per second
inline constexpr std::uint64_t kMaxTokens = 1ull << 32;     // per chunk or per request
// Redis refuses a bulk string longer than proto-max-bulk-len, 512MiB by default.
inline constexpr std::uint64_t kMaxChunkSize = 512ull << 20;
inline constexpr std::uint64_t kMaxSocketBuffer = 1ull << 30;
inline constexpr std::uint64_t kMaxTileBytes = 1ull << 30;
inline constexpr std::uint64_t kMaxWorkingSet = 1ull << 40;
inline constexpr std::chrono::milliseconds kMaxDuration{24 * 3'600'000};  // time limits, wire runs
inline constexpr std::size_t kMaxPoints = 10'000;                         // per scenario
inline constexpr int kMaxRanks = 4096;                                    // ranks of one mpirun taking part in a point
}  // namespace limits

// How batches arrive: back to back (closed loop), or at a target rate (open
// loop), in which case latency counts from each batch's intended start so
// that queueing shows in the tail.
struct Arrival {
  ArrivalMode mode = ArrivalMode::kClosed;
  double rate_per_s = 0;   // batches per second (open loop)
  std::uint64_t seed = 1;  // poisson inter-arrival times
  bool open_loop() const { return mode != ArrivalMode::kClosed; }
};

struct PointSpec {
  std::string client = "zerocopy";
  Op op = Op::kGet;
  std::uint64_t chunk_size = 4ull << 20;
  std::size_t chunks_per_batch = 64;
  std::uint64_t working_set = 1ull << 30;
  int streams = 1;
  int threads = 1;
  int pipeline_depth = 8;
  bool fixed_size = true;
  Receive receive = Receive::kInPlace;
  std::optional<int> sndbuf;
  std::optional<int> rcvbuf;
  std::optional<std::uint64_t> tile_bytes;  // tiled: tile size instead of one tile per thread
  int inflight = 1;                          // tiled: batches served at once
  int py_tasks = 1;                          // tiled-py: asyncio tasks awaiting batches at once
  GilMode gil = GilMode::kReleased;          // tiled-py: the binding releases the GIL in every call, or holds it
  CompletionMode completion = CompletionMode::kEventfd;  // tiled-py: woken by the eventfd, or polling
  int trials = 3;  // the least; with a precision target, rounds are added up to max_trials
  bool interleave = true;            // take turns with the points it is compared with, trial by trial
  std::optional<double> precision;   // target relative half-width of the median's 95% interval
  int max_trials = 20;
  int warmup_batches = 2;
  std::size_t batches_per_trial = 0;  // 0: one pass over the working set
  bool verify = true;
  std::string key_prefix = "kvslo";
  std::chrono::milliseconds op_timeout{10000};
  Layout layout = Layout::kFixed;
  std::map<std::string, std::string> redis_settings;  // embedded Redis config for this point
  ServerKind server = ServerKind::kRedis;             // the embedded server's program
  int shards = 0;                                     // an embedded cluster of this many primaries; 0: one server
  KeySpread key_spread = KeySpread::kSpread;          // keys spread over slots, or a hashtag per batch
  TlsMode tls = TlsMode::kOff;                        // the wire: plain, TLS, or TLS with kTLS
  int ranks = 0;                                      // under mpirun: the first this many ranks read (0: all)
  FleetKeys fleet_keys = FleetKeys::kSplit;           // under mpirun: each rank's share of the keys, or all of them
  Arrival arrival;
  std::optional<std::chrono::milliseconds> time_limit;  // per point; trials stop early past it
  // Where the chunk size came from, when a model gave it.
  std::string model, dtype;
  std::uint64_t tokens_per_chunk = 0;
  std::uint64_t request_tokens = 0;  // chunks_per_batch = request_tokens / tokens_per_chunk

  // Whether GET contents are checked: only by clients that read kvslo's dataset.
  bool verifies() const;
  std::size_t key_count() const { return static_cast<std::size_t>(working_set / chunk_size); }
  std::size_t batches() const;
  std::uint64_t batch_bytes() const { return chunk_size * chunks_per_batch; }
  // Throws std::invalid_argument naming the first impossible combination
  // (each field's own range is checked when it is read: fields.cpp).
  void validate() const;
  nlohmann::json to_json() const;
  // Every field as one text, to tell points apart (bytes that are not UTF-8, in a key prefix, replaced).
  std::string comparable() const;
  // "zerocopy get 4MiB x64 streams=1 depth=8 rcvbuf=16MiB": for progress lines.
  std::string label() const;
  // What sets the point apart beyond client, sizes, streams, threads and depth ("" if nothing).
  std::string variant() const;
};

}  // namespace kvslo

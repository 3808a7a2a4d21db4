#include "point_spec.hpp"

#include <cstdio>
#include <stdexcept>

#include "peers.hpp"
#include "units.hpp"

namespace kvslo {

std::size_t PointSpec::batches() const {
  if (batches_per_trial > 0) return batches_per_trial;
  return std::max<std::size_t>(1, key_count() / chunks_per_batch);
}

void PointSpec::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(what);
  };
  bool known = false;
  for (const auto& n : point_client_names()) known = known || n == client;
  std::string names;
  for (const auto& n : point_client_names()) names += (names.empty() ? "" : ", ") + n;
  require(known, "unknown client '" + client + "' (known: " + names + ")");
  require(op == "get" || op == "set" || op == "exists", "op must be get, set or exists (got '" + op + "')");
  require(chunk_size > 0, "chunk size must be positive");
  require(chunks_per_batch > 0, "chunks per batch must be at least 1");
  require(working_set >= chunk_size, "chunk size " + format_size(chunk_size) + " is larger than the working set " +
                                         format_size(working_set));
  require(key_count() >= chunks_per_batch,
          "a batch (" + std::to_string(chunks_per_batch) + " x " + format_size(chunk_size) + " = " +
              format_size(batch_bytes()) + ") is larger than the working set (" + format_size(working_set) +
              "): a batch must not read a key twice");
  require(streams >= 1, "streams must be at least 1");
  require(threads >= 1 && threads <= streams, "threads must be from 1 to streams (" + std::to_string(streams) + ")");
  require(pipeline_depth >= 1, "pipeline depth must be at least 1");
  require(trials >= 1, "trials must be at least 1");
  require(warmup_batches >= 0, "warm-up batches must not be negative");
  require(!sndbuf || *sndbuf > 0, "sndbuf must be positive");
  require(!rcvbuf || *rcvbuf > 0, "rcvbuf must be positive");
  require(!key_prefix.empty(), "key prefix must not be empty");
  require(inflight >= 1, "inflight must be at least 1");
  validate_limits();
  require(layout == "fixed" || layout == "with-metadata", "layout must be fixed or with-metadata (got '" + layout + "')");
  require(arrival.mode == "closed" || arrival.mode == "constant" || arrival.mode == "poisson",
          "arrival mode must be closed, constant or poisson (got '" + arrival.mode + "')");
  require(!arrival.open_loop() || arrival.rate_per_s > 0, "an open-loop arrival needs a positive rate_per_s");
  require(!time_limit || time_limit->count() > 0, "time limit must be positive");
  require(!tile_bytes || *tile_bytes > 0, "tile bytes must be positive");
  require(op_timeout.count() > 0, "operation timeout must be positive");
  validate_peer(*this);
}

// The maxima in `limits`, for points that come from flags rather than a
// scenario file (whose checker names the JSON path instead). The working set
// is left to the run's memory check, which names what the host has.
void PointSpec::validate_limits() const {
  auto at_most = [](auto value, auto max, const std::string& what, const std::string& shown_max) {
    if (value > max) throw std::invalid_argument(what + " must be at most " + shown_max);
  };
  using namespace limits;
  at_most(chunk_size, kMaxChunkSize, "chunk size", format_size(kMaxChunkSize) + " (Redis's default proto-max-bulk-len)");
  at_most(chunks_per_batch, kMaxChunksPerBatch, "chunks per batch", format_count(kMaxChunksPerBatch));
  at_most(streams, kMaxStreams, "streams", format_count(kMaxStreams));
  at_most(threads, kMaxThreads, "threads", format_count(kMaxThreads));
  at_most(pipeline_depth, kMaxPipelineDepth, "pipeline depth", format_count(kMaxPipelineDepth));
  at_most(inflight, kMaxInflight, "inflight", format_count(kMaxInflight));
  at_most(trials, kMaxTrials, "trials", format_count(kMaxTrials));
  at_most(warmup_batches, kMaxWarmupBatches, "warm-up batches", format_count(kMaxWarmupBatches));
  at_most(batches_per_trial, kMaxBatchesPerTrial, "batches per trial", format_count(kMaxBatchesPerTrial));
  at_most(op_timeout.count(), kMaxOpTimeoutMs, "operation timeout (ms)", format_count(kMaxOpTimeoutMs));
  at_most(sndbuf.value_or(0), static_cast<int>(kMaxSocketBuffer), "sndbuf", format_size(kMaxSocketBuffer));
  at_most(rcvbuf.value_or(0), static_cast<int>(kMaxSocketBuffer), "rcvbuf", format_size(kMaxSocketBuffer));
  at_most(tile_bytes.value_or(0), kMaxTileBytes, "tile bytes", format_size(kMaxTileBytes));
  at_most(time_limit.value_or(std::chrono::milliseconds(0)).count(), kMaxDuration.count(), "time limit", "24h");
  if (!(arrival.rate_per_s <= kMaxRatePerS)) throw std::invalid_argument("rate_per_s must be at most 1,000,000");
}

nlohmann::json PointSpec::to_json() const {
  nlohmann::json j{{"client", client},
                   {"op", op},
                   {"chunk_size_bytes", chunk_size},
                   {"chunk_size", format_size(chunk_size)},
                   {"chunks_per_batch", chunks_per_batch},
                   {"batch_bytes", batch_bytes()},
                   {"working_set_bytes", working_set},
                   {"keys", key_count()},
                   {"streams", streams},
                   {"threads", threads},
                   {"pipeline_depth", pipeline_depth},
                   {"fixed_size", fixed_size},
                   {"trials", trials},
                   {"warmup_batches", warmup_batches},
                   {"batches_per_trial", batches()},
                   {"verify", verifies()},
                   {"key_prefix", key_prefix},
                   {"op_timeout_ms", op_timeout.count()},
                   {"inflight", inflight}};
  j["layout"] = layout;
  j["redis_settings"] = redis_settings;
  j["arrival"] = {{"mode", arrival.mode}, {"rate_per_s", arrival.rate_per_s}, {"seed", arrival.seed}};
  j["time_limit_ms"] = time_limit ? nlohmann::json(time_limit->count()) : nlohmann::json(nullptr);
  if (!model.empty()) {
    j["model"] = {{"model", model}, {"dtype", dtype}, {"tokens_per_chunk", tokens_per_chunk}, {"request_tokens", request_tokens}};
  }
  j["tile_bytes"] = tile_bytes ? nlohmann::json(*tile_bytes) : nlohmann::json("per-thread");
  j["sndbuf_requested"] = sndbuf ? nlohmann::json(*sndbuf) : nlohmann::json("default");
  j["rcvbuf_requested"] = rcvbuf ? nlohmann::json(*rcvbuf) : nlohmann::json("default");
  return j;
}

std::string PointSpec::variant() const {
  std::string v;
  auto add = [&](const std::string& part) { v += (v.empty() ? "" : " ") + part; };
  if (!fixed_size) add("generic");
  if (layout != "fixed") add(layout);
  if (sndbuf) add("sndbuf=" + format_size(static_cast<std::uint64_t>(*sndbuf)));
  if (rcvbuf) add("rcvbuf=" + format_size(static_cast<std::uint64_t>(*rcvbuf)));
  if (tile_bytes) add("tile=" + format_size(*tile_bytes));
  if (inflight > 1 && client == "tiled") add("inflight=" + std::to_string(inflight));
  if (arrival.open_loop()) {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%g", arrival.rate_per_s);
    add(arrival.mode + "@" + rate + "/s");
  }
  for (const auto& [key, value] : redis_settings) add(key + "=" + value);
  return v;
}

std::string PointSpec::label() const {
  const std::string v = variant();
  return client + " " + op + " " + format_size(chunk_size) + " x" + std::to_string(chunks_per_batch) +
         " streams=" + std::to_string(streams) + (threads > 1 ? " threads=" + std::to_string(threads) : "") +
         " depth=" + std::to_string(pipeline_depth) + (v.empty() ? "" : " " + v);
}

}  // namespace kvslo

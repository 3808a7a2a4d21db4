#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "net/endpoint.hpp"

namespace kvslo {

struct ClientOptions {
  net::Endpoint endpoint;
  int streams = 1;         // connections in all
  int threads = 1;         // threads driving them (clients that use threads)
  int pipeline_depth = 8;  // requests in flight per connection
  std::optional<int> sndbuf;
  std::optional<int> rcvbuf;
  bool fixed_size = true;  // GET values must be exactly the buffer size
  // Tiled client: cut a batch into tiles of about this many bytes instead of
  // one tile per thread.
  std::optional<std::uint64_t> tile_bytes;
  int inflight = 1;  // tiled client: batches its workers serve at once
  // The zero-copy core receives each GET payload into a bounce buffer and
  // copies it over, as a client without the zero-copy path would: what
  // receiving in place saves, measured (the `receive` axis).
  bool debug_bounce_copy = false;
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds op_timeout{10000};  // longest wait without progress on a connection

  // Throws std::invalid_argument naming the first impossible setting.
  void validate() const {
    auto require = [](bool ok, const std::string& what) {
      if (!ok) throw std::invalid_argument("invalid client option: " + what);
    };
    require(streams >= 1, "streams must be at least 1 (got " + std::to_string(streams) + ")");
    require(threads >= 1, "threads must be at least 1 (got " + std::to_string(threads) + ")");
    require(threads <= streams, "threads (" + std::to_string(threads) + ") must not exceed streams (" +
                                    std::to_string(streams) + "): every thread owns at least one connection");
    require(pipeline_depth >= 1, "pipeline depth must be at least 1 (got " + std::to_string(pipeline_depth) + ")");
    require(!sndbuf || *sndbuf > 0, "sndbuf must be positive");
    require(!tile_bytes || *tile_bytes > 0, "tile bytes must be positive");
    require(inflight >= 1, "inflight must be at least 1 (got " + std::to_string(inflight) + ")");
    require(!rcvbuf || *rcvbuf > 0, "rcvbuf must be positive");
    require(connect_timeout.count() > 0, "connect timeout must be positive");
    require(op_timeout.count() > 0, "operation timeout must be positive");
  }
};

}  // namespace kvslo

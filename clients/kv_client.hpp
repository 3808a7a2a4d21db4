#pragma once
// The interface every kvslo client implements, so the harness can swap the
// hiredis baseline, the zero-copy client and the tiled client freely.
//
// Batches are all-or-nothing for the caller: every key gets a status, and a
// buffer is only valid when its key's status is kOk. The caller owns all
// memory; a client never allocates result values.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "batch_result.hpp"
#include "client_options.hpp"

namespace kvslo {

using ConstBuffer = std::span<const std::byte>;
using MutableBuffer = std::span<std::byte>;

// What one connection of a client looks like once connected.
struct ConnectionInfo {
  std::string peer;           // endpoint without the password
  int sndbuf_granted = 0;     // SO_SNDBUF read back after the request
  int rcvbuf_granted = 0;     // SO_RCVBUF read back after the request
  int rcv_wscale = -1;        // TCP window scale announced in the handshake (-1: not TCP)
  std::optional<net::TlsInfo> tls;  // what TLS negotiated; nullopt: plain
};

// Where a batch's time went, for clients that can tell (the tiled client).
struct BatchStages {
  std::uint64_t queue_wait_ns = 0;  // submit to the first worker starting on it
  std::uint64_t transfer_ns = 0;    // first tile started to last tile done
  std::uint64_t handoff_ns = 0;     // last tile done to the caller taking it
  std::size_t tiles = 0;
  std::vector<std::uint64_t> worker_bytes;  // payload bytes each worker moved
};

class KvClient {
 public:
  virtual ~KvClient() = default;

  // keys.size() == values.size(); values are sent straight from caller memory
  // where the client can.
  virtual BatchResult batch_set(std::span<const std::string_view> keys, std::span<const ConstBuffer> values) = 0;
  // keys.size() == buffers.size(). With ClientOptions::fixed_size a value must
  // be exactly its buffer's size; otherwise any size up to it is accepted and
  // reported in KeyOutcome::value_size.
  virtual BatchResult batch_get(std::span<const std::string_view> keys, std::span<const MutableBuffer> buffers) = 0;
  // keys.size() == present.size().
  virtual BatchResult batch_exists(std::span<const std::string_view> keys, std::span<bool> present) = 0;

  virtual std::string_view name() const = 0;
  // The connections open now (after at least one batch); empty before.
  virtual std::vector<ConnectionInfo> connections() const = 0;
  // Stages of the last batch a synchronous call completed, when the client records them.
  virtual std::optional<BatchStages> last_batch_stages() const { return std::nullopt; }
};

}  // namespace kvslo

#pragma once
// The harness's own ceiling: a client that does no I/O. GET writes every
// byte of each caller buffer once (what the kernel's copy into it costs at
// the least), SET reads every byte of each value, EXISTS says present. A run
// with it shows what the harness itself can carry, so a real client's
// figure is never mistaken for a harness limit. Nothing it hands back comes
// from Redis: its buffers are not the data and are never verified.

#include "kv_client.hpp"

namespace kvslo {

class NullClient final : public KvClient {
 public:
  BatchResult batch_set(std::span<const std::string_view> keys, std::span<const ConstBuffer> values) override;
  BatchResult batch_get(std::span<const std::string_view> keys, std::span<const MutableBuffer> buffers) override;
  BatchResult batch_exists(std::span<const std::string_view> keys, std::span<bool> present) override;
  std::string_view name() const override { return "null"; }
  std::vector<ConnectionInfo> connections() const override { return {}; }
};

}  // namespace kvslo

#pragma once
// Rungs 1 and 2 of the ladder: kvslo's own RESP layer on one thread driving
// `streams` connections. SET sends header, key and the caller's value in one
// scatter-gather sendmsg; GET reads each value straight into the caller's
// buffer. With fixed_size the $<len> header must equal the buffer size.

#include "kv_client.hpp"
#include "zerocopy/stream_driver.hpp"

namespace kvslo {

class ZeroCopyClient final : public KvClient {
 public:
  explicit ZeroCopyClient(ClientOptions options);

  BatchResult batch_set(std::span<const std::string_view> keys, std::span<const ConstBuffer> values) override;
  BatchResult batch_get(std::span<const std::string_view> keys, std::span<const MutableBuffer> buffers) override;
  BatchResult batch_exists(std::span<const std::string_view> keys, std::span<bool> present) override;
  std::string_view name() const override { return "zerocopy"; }
  std::vector<ConnectionInfo> connections() const override { return driver_.connections(); }

 private:
  BatchResult run(BatchJob job);

  ClientOptions options_;
  StreamDriver driver_;
};

}  // namespace kvslo

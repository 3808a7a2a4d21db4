#pragma once
// Rung 0 of the ladder: the standard C SDK used the standard way. Commands
// for a whole batch are appended (pipelined, up to pipeline_depth in flight
// per connection) and replies read with redisGetReply; hiredis parses each
// reply generically into a redisReply it allocates, and the value is then
// copied into the caller's buffer. One thread drives `streams` connections;
// with threads > 1 each thread owns its share of the connections, as
// services that put hiredis behind a thread pool do.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "batch_job.hpp"
#include "kv_client.hpp"

struct redisContext;

namespace kvslo {



class HiredisClient final : public KvClient {
 public:
  // Throws std::invalid_argument for a TLS endpoint (no_tls_reason()).
  explicit HiredisClient(ClientOptions options);
  ~HiredisClient() override;
  // "hiredis: this hiredis (0.14.1, Debian's) has no TLS; ...": why it cannot speak rediss://.
  static std::string no_tls_reason();

  BatchResult batch_set(std::span<const std::string_view> keys, std::span<const ConstBuffer> values) override;
  BatchResult batch_get(std::span<const std::string_view> keys, std::span<const MutableBuffer> buffers) override;
  BatchResult batch_exists(std::span<const std::string_view> keys, std::span<bool> present) override;
  std::string_view name() const override { return "hiredis"; }
  std::vector<ConnectionInfo> connections() const override;

 private:
  struct ContextDeleter {
    void operator()(redisContext* c) const;
  };
  using Context = std::unique_ptr<redisContext, ContextDeleter>;

  BatchResult run(BatchJob job);
  // Serves the connections [first, first + count) from the calling thread.
  void serve(const BatchJob& job, std::size_t first, std::size_t count);
  std::optional<std::string> ensure_connected(std::size_t index);

  ClientOptions options_;
  std::vector<Context> contexts_;
};

}  // namespace kvslo

#pragma once
// One connection of the zero-copy client: a non-blocking socket that keeps up
// to `pipeline_depth` requests in flight and lets GET payloads land straight
// in the caller's buffers. It is driven by an event loop (StreamDriver) and
// never blocks; a failure marks the keys it still owed and closes the socket
// so the next batch starts on a fresh, in-step connection.

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "batch_job.hpp"
#include "client_options.hpp"
#include "net/iov_cursor.hpp"
#include "net/socket.hpp"
#include "resp/reply_parser.hpp"
#include "resp/request_writer.hpp"

namespace kvslo {

class PipelinedConnection final : private resp::ReplyVisitor {
 public:
  explicit PipelinedConnection(const ClientOptions& options);

  // Connects and authenticates unless already connected; drops a connection
  // the server closed while idle. Returns the error message on failure.
  std::optional<std::string> ensure_connected(net::Deadline deadline);
  // Starts serving `range` of `job`. Sends what it can right away.
  void begin(const BatchJob& job, KeyRange range);

  bool busy() const { return job_ != nullptr; }
  int fd() const { return socket_.fd(); }
  short wanted_events() const;
  // Makes all the progress the socket allows without blocking.
  void on_ready(short revents);
  // When this connection gives up waiting for progress.
  net::Deadline deadline() const { return last_progress_ + options_.op_timeout; }
  // Gives up: every key still owed gets `status`; the socket is closed.
  void fail(KeyStatus status, const std::string& message);

  std::optional<ConnectionInfo> info() const;

 private:
  // ReplyVisitor: interprets the reply to the key at next_reply_.
  void on_simple_string(std::string_view s) override;
  void on_error(std::string_view s) override;
  void on_integer(std::int64_t v) override;
  void on_nil_bulk() override;
  void on_nil_array() override;
  void on_array_begin(std::int64_t count) override;
  void on_array_end() override;
  std::span<std::byte> on_bulk_begin(std::uint64_t length) override;
  void on_bulk_end(resp::BulkOutcome outcome, std::uint64_t length) override;

  void send_more();
  void encode_more();
  void receive();
  void start_reply();
  void finish_reply();
  void unexpected(std::string what);
  void finish_batch_if_done();
  std::size_t outstanding() const { return next_send_ - next_reply_; }

  const ClientOptions& options_;
  net::Socket socket_;
  resp::ReplyParser parser_;
  std::vector<std::byte> staging_;
  std::size_t staged_begin_ = 0;
  std::size_t staged_end_ = 0;
  resp::RequestWriter writer_;
  net::IovCursor cursor_;

  const BatchJob* job_ = nullptr;
  std::size_t next_send_ = 0;   // first key not yet encoded
  std::size_t next_reply_ = 0;  // key whose reply comes next
  std::size_t end_ = 0;
  std::deque<net::Clock::time_point> issued_at_;  // per outstanding request
  net::Clock::time_point last_progress_{};

  // The reply being parsed.
  int depth_ = 0;
  KeyStatus reply_status_ = KeyStatus::kNotRun;
  std::string reply_message_;
  std::uint64_t reply_size_ = 0;
  std::vector<std::byte> bounce_;  // ClientOptions::debug_bounce_copy
};

}  // namespace kvslo

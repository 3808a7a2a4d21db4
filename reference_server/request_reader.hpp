#pragma once
// Requests out of a byte stream, with no I/O: RESP arrays of bulk strings,
// parsed by the clients' own RESP parser (a request has the shape of a
// reply), each argument in its own Blob. While an argument's bytes are
// arriving, direct_window() is the rest of its Blob, so the connection reads
// a SET's value from the socket straight into the Blob that is then stored:
// the value's one copy, the one any store must make.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "blob_store.hpp"
#include "resp/reply_parser.hpp"

namespace kvslo::reference {

class RequestReader final : private resp::ReplyVisitor {
 public:
  // A client that has authenticated (or needs not): Redis's proto-max-bulk-len
  // per argument, and a request of at most 1 GiB (its client-query-buffer-limit).
  static constexpr std::uint64_t kMaxArgument = std::uint64_t{512} << 20;
  static constexpr std::uint64_t kMaxRequest = std::uint64_t{1} << 30;
  static constexpr std::int64_t kMaxArguments = 1 << 16;
  // One that has not: as Redis limits it, so nobody can make the server
  // allocate before showing the password (AUTH user password fits).
  static constexpr std::uint64_t kMaxArgumentUntrusted = 16 << 10;
  static constexpr std::int64_t kMaxArgumentsUntrusted = 10;

  enum class Event {
    kNeedMore,       // all input consumed, no request complete yet (or an empty array: ignored, as Redis does)
    kRequest,        // args() hold one whole request
    kBadRequest,     // a whole request that cannot be run (problem()); the stream is still in step
    kProtocolError,  // not RESP (problem()): the connection must end
  };
  struct Fed {
    std::size_t consumed;
    Event event;
  };

  RequestReader() : parser_(*this) {}

  // Whether the client has authenticated: the limits above apply from the next request.
  void set_trusted(bool trusted) { trusted_ = trusted; }

  // Consumes input up to the end of one request (or of the input).
  Fed feed(std::span<const std::byte> input);
  // The rest of the argument being received, to read into (empty when none).
  std::span<std::byte> direct_window() const { return parser_.direct_window(); }
  void commit_direct(std::size_t n) { parser_.commit_direct(n); }

  // The last request's arguments (kRequest), valid until the next feed.
  const std::vector<std::shared_ptr<Blob>>& args() const { return args_; }
  // Why the last request was refused (kBadRequest, kProtocolError).
  const std::string& problem() const { return problem_; }

 private:
  void on_simple_string(std::string_view) override { refuse("expected an array of bulk strings"); }
  void on_error(std::string_view) override { refuse("expected an array of bulk strings"); }
  void on_integer(std::int64_t) override { refuse("expected an array of bulk strings"); }
  void on_nil_bulk() override { refuse("a null bulk string is not an argument"); }
  void on_nil_array() override {}  // ignored, as Redis ignores it
  void on_array_begin(std::int64_t count) override;
  void on_array_end() override { --depth_; }
  std::span<std::byte> on_bulk_begin(std::uint64_t length) override;
  void on_bulk_end(resp::BulkOutcome outcome, std::uint64_t length) override;
  void refuse(std::string why);

  resp::ReplyParser parser_;
  std::vector<std::shared_ptr<Blob>> args_;
  std::string problem_;
  std::string fatal_;  // over a limit that skipping cannot enforce: the connection must end
  int depth_ = 0;
  bool trusted_ = false;
  std::uint64_t request_bytes_ = 0;
  bool started_ = false;  // the request has begun (its first byte was parsed)
};

}  // namespace kvslo::reference

#pragma once
// Incremental RESP2 reply parser with no I/O.
//
// Bytes arrive in any split; the parser reports each reply element to a
// visitor as soon as it is known. A bulk payload goes where the visitor says,
// so a GET value can land straight in the caller's buffer: while a payload is
// being received, direct_window() exposes the rest of its destination and the
// caller may read from the socket into it and commit_direct() the count,
// bypassing any staging copy. Protocol violations are sticky errors with a
// message; a payload that does not fit its destination (or, in expected-size
// mode, has the wrong length) is skipped, so the stream stays in step.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kvslo::resp {

enum class BulkOutcome {
  kStored,        // all bytes are in the destination
  kTooLarge,      // the destination was smaller than the payload; skipped
  kSizeMismatch,  // expected-size mode: $<len> differed from the expected size; skipped
};

class ReplyVisitor {
 public:
  virtual ~ReplyVisitor() = default;
  virtual void on_simple_string(std::string_view) {}
  virtual void on_error(std::string_view) {}
  virtual void on_integer(std::int64_t) {}
  virtual void on_nil_bulk() {}
  virtual void on_nil_array() {}
  virtual void on_array_begin(std::int64_t /*count*/) {}
  virtual void on_array_end() {}
  // Where to put a payload of `length` bytes. A destination shorter than
  // `length` (including an empty one) makes the parser skip the payload and
  // report kTooLarge; it never writes past the span.
  virtual std::span<std::byte> on_bulk_begin(std::uint64_t /*length*/) { return {}; }
  virtual void on_bulk_end(BulkOutcome, std::uint64_t /*length*/) {}
};

enum class ParseStatus { kNeedMore, kReplyComplete, kError };

struct FeedResult {
  std::size_t consumed;
  ParseStatus status;
};

class ReplyParser {
 public:
  static constexpr std::size_t kMaxStatusLine = 64 * 1024;
  static constexpr std::size_t kMaxNumberLine = 24;
  static constexpr std::int64_t kMaxBulkLength = std::int64_t{1} << 40;
  static constexpr std::int64_t kMaxArrayLength = std::int64_t{1} << 32;
  static constexpr std::size_t kMaxDepth = 64;

  explicit ReplyParser(ReplyVisitor& visitor) : visitor_(&visitor) {}

  // Consumes bytes until one top-level reply completes, the input runs out,
  // or the input is malformed. After kReplyComplete the next feed starts a
  // new reply, so unconsumed bytes belong to the following reply.
  FeedResult feed(std::span<const std::byte> input);

  // While a bulk payload is being received into a real destination: the part
  // of it still to fill. Empty otherwise (including while skipping).
  std::span<std::byte> direct_window() const;
  // `n` bytes were written into the front of direct_window() by the caller.
  void commit_direct(std::size_t n);

  // Applies to bulk strings of the replies parsed from now on (any depth).
  void set_expected_bulk_size(std::optional<std::uint64_t> size) { expected_bulk_size_ = size; }

  bool failed() const { return state_ == State::kError; }
  const std::string& error() const { return error_; }
  // Back to a fresh stream (after a reconnect).
  void reset();

 private:
  enum class State { kIdle, kType, kLine, kPayload, kPayloadCr, kPayloadLf, kError };

  void fail(std::string message);
  void handle_line(std::string_view line);
  std::optional<std::int64_t> parse_number(std::string_view line);
  void begin_bulk(std::int64_t length);
  void finish_bulk();
  void element_done();

  ReplyVisitor* visitor_;
  State state_ = State::kIdle;
  char type_ = 0;
  std::string line_;
  std::vector<std::int64_t> remaining_elements_;  // per open array
  std::optional<std::uint64_t> expected_bulk_size_;
  // Current bulk payload.
  std::byte* destination_ = nullptr;  // null while skipping
  std::uint64_t bulk_length_ = 0;
  std::uint64_t bulk_remaining_ = 0;
  BulkOutcome bulk_outcome_ = BulkOutcome::kStored;
  std::uint64_t reply_offset_ = 0;  // bytes of the current reply seen, for error messages
  std::string error_;
};

}  // namespace kvslo::resp

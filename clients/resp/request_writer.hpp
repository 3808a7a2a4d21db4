#pragma once
// RESP2 request encoding as scatter-gather pieces, with no I/O.
//
// Small parts of a request (array and bulk headers, command names, keys) are
// copied into an owned arena; values are referenced where the caller keeps
// them, so encoding a 40 MiB SET copies nothing of the value. The iovecs are
// assembled on demand because the arena may move while commands are added.

#include <sys/uio.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kvslo::resp {

class RequestWriter {
 public:
  // Keys longer than this are referenced in place like values instead of
  // being copied; typical keys are far shorter and merge with the headers.
  static constexpr std::size_t kInlineArgumentLimit = 1024;

  void get(std::string_view key);
  void set(std::string_view key, std::span<const std::byte> value);
  void exists(std::string_view key);
  void del(std::string_view key);
  void ping();
  void auth(std::string_view password);
  void auth(std::string_view user, std::string_view password);
  void info(std::string_view section);
  void config_get(std::string_view parameter);
  void config_set(std::string_view parameter, std::string_view value);
  // Any command: each argument becomes one bulk string.
  void command(std::span<const std::string_view> arguments);

  std::size_t command_count() const { return command_count_; }
  std::size_t total_bytes() const { return total_bytes_; }
  bool empty() const { return command_count_ == 0; }

  // The request as iovecs. Valid until the writer is changed or destroyed;
  // value pieces point into caller memory, which must outlive the send.
  std::span<const iovec> iovecs();
  // The request as one string (for tests and small control commands).
  std::string to_string();

  void clear();

 private:
  struct Piece {
    bool in_arena;
    std::size_t arena_offset;     // when in_arena
    const std::byte* external;    // when !in_arena
    std::size_t length;
  };

  void begin_command(std::size_t argument_count);
  void argument(std::span<const std::byte> bytes, bool may_inline);
  void argument(std::string_view text) { argument(std::as_bytes(std::span(text.data(), text.size())), true); }
  void append_arena(std::string_view text);
  void append_arena(std::span<const std::byte> bytes);
  void append_external(std::span<const std::byte> bytes);

  std::vector<std::byte> arena_;
  std::vector<Piece> pieces_;
  std::vector<iovec> iovecs_;
  std::size_t command_count_ = 0;
  std::size_t total_bytes_ = 0;
};

}  // namespace kvslo::resp

#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kvslo {

enum class KeyStatus : std::uint8_t {
  kOk,
  kMissing,       // the key does not exist
  kSizeMismatch,  // the value's length differs from (fixed size) or exceeds the buffer
  kServerError,   // an error reply, or a reply of the wrong type; message holds its text
  kIoError,       // the connection failed (refused, reset, closed, protocol broken)
  kTimeout,       // no progress within the operation timeout
  kCancelled,     // the client shut down before the key was served
  kNotRun,        // never reached (a bug if it survives a batch)
};
// One past the last status: a status added after kNotRun must be named in
// to_string (-Wswitch), and then this count is caught out (batch_result.cpp).
inline constexpr std::size_t kKeyStatusCount = static_cast<std::size_t>(KeyStatus::kNotRun) + 1;

constexpr std::string_view to_string(KeyStatus status) {
  switch (status) {
    case KeyStatus::kOk: return "ok";
    case KeyStatus::kMissing: return "missing";
    case KeyStatus::kSizeMismatch: return "size_mismatch";
    case KeyStatus::kServerError: return "server_error";
    case KeyStatus::kIoError: return "io_error";
    case KeyStatus::kTimeout: return "timeout";
    case KeyStatus::kCancelled: return "cancelled";
    case KeyStatus::kNotRun: return "not_run";
  }
  return "unknown";
}

struct KeyOutcome {
  KeyStatus status = KeyStatus::kNotRun;
  std::uint64_t value_size = 0;   // GET: the value's length as the server sent it
  std::uint64_t latency_ns = 0;   // request issued to reply complete
  std::string message;            // why, when status != kOk (never holds a password)
};

struct BatchResult {
  std::vector<KeyOutcome> keys;

  BatchResult() = default;
  explicit BatchResult(std::size_t n) : keys(n) {}
  bool all_ok() const;
  // The first failed key's index and a one-line description, for messages.
  std::string first_failure() const;
};

}  // namespace kvslo

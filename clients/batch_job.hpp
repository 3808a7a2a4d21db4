#pragma once
// One batch operation as the connection engines see it: which op, the
// caller's keys and memory, and where each key's outcome goes.

#include <cstddef>
#include <span>
#include <string_view>

#include "kv_client.hpp"

namespace kvslo {

enum class OpKind { kGet, kSet, kExists };

struct BatchJob {
  OpKind kind = OpKind::kGet;
  std::span<const std::string_view> keys;
  std::span<const ConstBuffer> values;     // kSet
  std::span<const MutableBuffer> buffers;  // kGet
  std::span<bool> present;                 // kExists
  bool fixed_size = true;
  BatchResult* result = nullptr;

  // Jobs from a caller's spans; each throws std::invalid_argument when the
  // spans do not line up with the keys.
  static BatchJob get(std::span<const std::string_view> keys, std::span<const MutableBuffer> buffers);
  static BatchJob set(std::span<const std::string_view> keys, std::span<const ConstBuffer> values);
  static BatchJob exists(std::span<const std::string_view> keys, std::span<bool> present);

  std::size_t size() const { return keys.size(); }
  KeyOutcome& outcome(std::size_t i) const { return result->keys[i]; }
};

// Half-open range of key indexes.
struct KeyRange {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t size() const { return end - begin; }
  bool empty() const { return begin == end; }
};

// Cuts [0, n) into `parts` contiguous ranges whose sizes differ by at most one
// (the first n % parts get the extra key). Ranges are empty when parts > n.
KeyRange balanced_range(std::size_t n, std::size_t parts, std::size_t index);

// Marks every key of `range` not yet served with `status` and `message`.
void fail_unserved(const BatchJob& job, KeyRange range, KeyStatus status, const std::string& message);


}  // namespace kvslo

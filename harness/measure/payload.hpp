#pragma once
// Deterministic chunk contents, so every retrieved chunk can be checked
// against what was stored without keeping a copy: word j of key k is a
// cheap function of (k, j). A chunk landing at the wrong offset or under the
// wrong key fails the check, and the check runs at memory speed.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace kvslo {

void fill_payload(std::uint64_t key_index, std::span<std::byte> out);
// The first byte offset that differs from fill_payload's, or nullopt.
std::optional<std::size_t> verify_payload(std::uint64_t key_index, std::span<const std::byte> data);

}  // namespace kvslo

#include "measure/payload.hpp"

#include <cstring>

namespace kvslo {
namespace {

inline std::uint64_t word(std::uint64_t key_index, std::uint64_t j) {
  return (key_index * 0xD1B54A32D192ED03ull) ^ (j * 0x9E3779B97F4A7C15ull) ^ 0x5bd1e995u;
}

}  // namespace

void fill_payload(std::uint64_t key_index, std::span<std::byte> out) {
  const std::size_t words = out.size() / 8;
  for (std::size_t j = 0; j < words; ++j) {
    const std::uint64_t w = word(key_index, j);
    std::memcpy(out.data() + j * 8, &w, 8);
  }
  const std::uint64_t tail = word(key_index, words);
  std::memcpy(out.data() + words * 8, &tail, out.size() - words * 8);
}

std::optional<std::size_t> verify_payload(std::uint64_t key_index, std::span<const std::byte> data) {
  const std::size_t words = data.size() / 8;
  for (std::size_t j = 0; j < words; ++j) {
    std::uint64_t w;
    std::memcpy(&w, data.data() + j * 8, 8);
    if (w != word(key_index, j)) {
      const std::uint64_t expected = word(key_index, j);
      for (std::size_t b = 0; b < 8; ++b) {
        if (std::memcmp(data.data() + j * 8 + b, reinterpret_cast<const std::byte*>(&expected) + b, 1) != 0) {
          return j * 8 + b;
        }
      }
    }
  }
  const std::uint64_t tail = word(key_index, words);
  for (std::size_t b = 0; b < data.size() - words * 8; ++b) {
    if (std::memcmp(data.data() + words * 8 + b, reinterpret_cast<const std::byte*>(&tail) + b, 1) != 0) {
      return words * 8 + b;
    }
  }
  return std::nullopt;
}

}  // namespace kvslo

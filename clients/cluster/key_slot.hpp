#pragma once
// Which of Redis Cluster's 16384 hash slots a key belongs to: CRC16 (XMODEM)
// of the key, or of its hashtag, modulo 16384. The hashtag is the part
// between the first '{' and the first '}' after it, when that part is not
// empty ("{user1000}.following" and "{user1000}.followers" share a slot, so
// a batch can be pinned to one shard). Pure: no I/O.

#include <cstdint>
#include <string_view>

namespace kvslo::cluster {

inline constexpr std::uint16_t kSlotCount = 16384;

// CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, as Redis computes it.
std::uint16_t crc16(std::string_view bytes);
// The part of `key` that is hashed: its hashtag, or the whole key.
std::string_view hashed_part(std::string_view key);
std::uint16_t key_slot(std::string_view key);

}  // namespace kvslo::cluster

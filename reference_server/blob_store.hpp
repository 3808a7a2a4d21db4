#pragma once
// The reference server's keys and values, shared by its event loops. A value
// is a Blob: filled once, straight from the socket, then never written
// again, so a GET can hand it to writev while a SET replaces the key (the
// shared_ptr keeps the old value alive until its reply is sent).

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

namespace kvslo::reference {

class Blob {
 public:
  // Uninitialised: every byte is written by the socket before anyone reads it.
  explicit Blob(std::size_t size) : size_(size), bytes_(std::make_unique_for_overwrite<std::byte[]>(size)) {}
  std::size_t size() const { return size_; }
  std::span<std::byte> writable() { return {bytes_.get(), size_}; }
  const std::byte* data() const { return bytes_.get(); }
  std::string_view text() const { return {reinterpret_cast<const char*>(bytes_.get()), size_}; }

 private:
  std::size_t size_;
  std::unique_ptr<std::byte[]> bytes_;
};

using BlobPtr = std::shared_ptr<const Blob>;

class BlobStore {
 public:
  // `maxmemory`: the bytes of values it holds at most (0: no limit); a SET
  // past it is refused, as Redis refuses it with eviction off.
  explicit BlobStore(std::uint64_t maxmemory) : maxmemory_(maxmemory) {}

  BlobPtr get(const std::string& key) const;
  // False (and nothing stored) when the value would not fit in maxmemory.
  bool set(const std::string& key, BlobPtr value);
  bool contains(const std::string& key) const;
  bool erase(const std::string& key);
  void clear();
  std::uint64_t keys() const { return keys_.load(std::memory_order_relaxed); }
  std::uint64_t value_bytes() const { return bytes_.load(std::memory_order_relaxed); }
  std::uint64_t maxmemory() const { return maxmemory_; }

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, BlobPtr> values;
  };
  static constexpr std::size_t kShards = 64;  // loops rarely wait on each other
  Shard& shard_of(const std::string& key) const;

  mutable std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> keys_{0}, bytes_{0};
  std::uint64_t maxmemory_;
};

}  // namespace kvslo::reference

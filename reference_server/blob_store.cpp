#include "blob_store.hpp"

#include <functional>

namespace kvslo::reference {

BlobStore::Shard& BlobStore::shard_of(const std::string& key) const {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

BlobPtr BlobStore::get(const std::string& key) const {
  Shard& s = shard_of(key);
  const std::lock_guard lock(s.mutex);
  const auto it = s.values.find(key);
  return it == s.values.end() ? nullptr : it->second;
}

bool BlobStore::set(const std::string& key, BlobPtr value) {
  Shard& s = shard_of(key);
  const std::lock_guard lock(s.mutex);
  auto [it, added] = s.values.try_emplace(key);
  const std::uint64_t old_size = added ? 0 : it->second->size();
  const std::uint64_t after = bytes_.load(std::memory_order_relaxed) - old_size + value->size();
  if (maxmemory_ != 0 && after > maxmemory_ && value->size() > old_size) {
    if (added) s.values.erase(it);
    return false;
  }
  bytes_.fetch_add(value->size(), std::memory_order_relaxed);
  bytes_.fetch_sub(old_size, std::memory_order_relaxed);
  if (added) keys_.fetch_add(1, std::memory_order_relaxed);
  it->second = std::move(value);
  return true;
}

bool BlobStore::contains(const std::string& key) const {
  Shard& s = shard_of(key);
  const std::lock_guard lock(s.mutex);
  return s.values.count(key) != 0;
}

bool BlobStore::erase(const std::string& key) {
  Shard& s = shard_of(key);
  const std::lock_guard lock(s.mutex);
  const auto it = s.values.find(key);
  if (it == s.values.end()) return false;
  bytes_.fetch_sub(it->second->size(), std::memory_order_relaxed);
  keys_.fetch_sub(1, std::memory_order_relaxed);
  s.values.erase(it);
  return true;
}

void BlobStore::clear() {
  for (Shard& s : shards_) {
    const std::lock_guard lock(s.mutex);
    for (const auto& [key, value] : s.values) {
      bytes_.fetch_sub(value->size(), std::memory_order_relaxed);
      keys_.fetch_sub(1, std::memory_order_relaxed);
    }
    s.values.clear();
  }
}

}  // namespace kvslo::reference

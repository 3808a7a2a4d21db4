#include "measure/dataset.hpp"

#include <algorithm>
#include <span>
#include <stdexcept>
#include <vector>

#include "cluster/routed_commands.hpp"
#include "experiment/client_catalog.hpp"
#include "system/interrupted.hpp"
#include "measure/payload.hpp"
#include "registry.hpp"

namespace kvslo {

std::string chunk_key(const PointSpec& p, std::size_t index) {
  std::string key = p.key_prefix + ":" + std::to_string(p.chunk_size) + ":";
  if (p.key_spread == KeySpread::kHashtag) key += "{b" + std::to_string(index / p.chunks_per_batch) + "}:";
  return key + std::to_string(index);
}

std::string metadata_key(const std::string& chunk_key) { return chunk_key + ":len"; }

std::string dataset_identity(const PointSpec& p) {
  std::string id = p.key_prefix + "|" + std::to_string(p.chunk_size) + "|" + std::to_string(p.key_count());
  for (const auto& [key, value] : p.redis_settings) id += "|" + key + "=" + value;  // a restart empties the server
  if (p.server != ServerKind::kRedis) id += "|server=" + to_string(p.server);
  if (p.shards != 0) id += "|shards=" + std::to_string(p.shards);  // another cluster
  if (p.key_spread == KeySpread::kHashtag) id += "|hashtag/" + std::to_string(p.chunks_per_batch);  // other key names
  return id;
}

bool reads_kvslo_dataset(const PointSpec& p) { return client_entry(p.client).reads_kvslo_dataset; }

void load_chunks(const net::Endpoint& endpoint, const ChunkSet& chunks, std::chrono::milliseconds op_timeout,
                 const std::atomic<bool>& stop) {
  ClientOptions options;
  options.endpoint = endpoint;
  options.streams = 2;
  options.pipeline_depth = 4;
  options.op_timeout = op_timeout;
  auto loader = make_client("zerocopy", options);
  const std::size_t n = chunks.count;
  const std::size_t per_batch = std::max<std::size_t>(1, std::min<std::size_t>(n, (256ull << 20) / chunks.chunk_size));
  std::vector<std::byte> tile(per_batch * chunks.chunk_size);
  const std::string length_text = std::to_string(chunks.chunk_size);
  const ConstBuffer length_value = std::as_bytes(std::span(length_text.data(), length_text.size()));
  std::vector<std::string> names;
  std::vector<std::string_view> keys;
  std::vector<ConstBuffer> values;
  for (std::size_t first = 0; first < n; first += per_batch) {
    if (stop) throw Interrupted("interrupted while loading the working set");
    const std::size_t count = std::min(per_batch, n - first);
    names.clear();
    keys.clear();
    values.clear();
    for (std::size_t i = 0; i < count; ++i) {
      names.push_back(chunks.name_of(first + i));
      std::span<std::byte> value(tile.data() + i * chunks.chunk_size, chunks.chunk_size);
      fill_payload(first + i, value);
      values.push_back(value);
    }
    if (chunks.length_keys) {
      for (std::size_t i = 0; i < count; ++i) {
        names.push_back(metadata_key(names[i]));
        values.push_back(length_value);
      }
    }
    for (const auto& name : names) keys.push_back(name);
    BatchResult r = loader->batch_set(keys, values);
    if (!r.all_ok()) {
      throw std::runtime_error("loading the working set failed at " + std::string(keys[0]) + "...: " + r.first_failure());
    }
  }
}

namespace {

// Sends `command` over every key of the set (with its length keys), 256
// chunks per call (split by slot on a cluster), and hands the sum of the
// replies with the keys to `on_sum`.
template <typename OnSum>
void for_each_key_group(cluster::RoutedCommands& routed, const ChunkSet& chunks, const char* command, OnSum on_sum) {
  std::vector<std::string> names;
  for (std::size_t first = 0; first < chunks.count; first += 256) {
    names.clear();
    for (std::size_t i = first; i < std::min(chunks.count, first + 256); ++i) {
      names.push_back(chunks.name_of(i));
      if (chunks.length_keys) names.push_back(metadata_key(names.back()));
    }
    on_sum(routed.sum_over_keys(command, names), names);
  }
}

}  // namespace

void delete_chunks(const net::Endpoint& endpoint, const ChunkSet& chunks, std::chrono::milliseconds op_timeout) {
  cluster::RoutedCommands routed(endpoint, op_timeout);
  for_each_key_group(routed, chunks, "DEL", [](std::int64_t, const std::vector<std::string>&) {});
}

ExistingKeys find_existing(const net::Endpoint& endpoint, const ChunkSet& chunks, std::chrono::milliseconds op_timeout) {
  ExistingKeys found;
  cluster::RoutedCommands routed(endpoint, op_timeout);
  for_each_key_group(routed, chunks, "EXISTS", [&](std::int64_t count, const std::vector<std::string>& names) {
    if (count <= 0) return;
    found.count += static_cast<std::size_t>(count);
    if (!found.first.empty()) return;
    for (const auto& name : names) {
      if (routed.sum_over_keys("EXISTS", std::span(&name, 1)) > 0) {
        found.first = name;
        break;
      }
    }
  });
  return found;
}

void require_absent(const net::Endpoint& endpoint, const ChunkSet& chunks, std::chrono::milliseconds op_timeout,
                    const std::string& whose) {
  const ExistingKeys existing = find_existing(endpoint, chunks, op_timeout);
  if (existing.count == 0) return;
  throw std::runtime_error(std::to_string(existing.count) + " of the keys " + whose + " would write already exist on " +
                           endpoint.display() + " (first: " + existing.first +
                           "); kvslo deletes only keys it wrote, so it refuses to write over them: delete them if they "
                           "are left from an earlier kvslo run, or choose another key_prefix");
}

}  // namespace kvslo

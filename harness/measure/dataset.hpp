#pragma once
// Writing and deleting the chunks a point reads: set-up, not measurement, so
// done by the zero-copy client as fast as it goes, in batches of at most
// 256 MiB, with kvslo's payload (payload.hpp) so that every GET can verify.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "experiment/point_spec.hpp"
#include "net/endpoint.hpp"

namespace kvslo {

// The key of chunk `index` of a point's dataset: "<prefix>:<chunk size>:<index>",
// or with key_spread hashtag "<prefix>:<chunk size>:{b<batch>}:<index>", so
// that the chunks one batch reads share a slot (and a shard of a cluster).
std::string chunk_key(const PointSpec& p, std::size_t index);

struct ChunkSet {
  std::function<std::string(std::size_t)> name_of;  // key of chunk i
  std::uint64_t chunk_size = 0;
  std::size_t count = 0;
  bool length_keys = false;  // a "<key>:len" key beside each chunk (the with-metadata layout)
};

// Throws std::runtime_error naming the first key that failed, or when `stop` is raised.
void load_chunks(const net::Endpoint& endpoint, const ChunkSet& chunks, std::chrono::milliseconds op_timeout,
                 const std::atomic<bool>& stop);
// Deletes exactly these keys (and their length keys), never anything else.
void delete_chunks(const net::Endpoint& endpoint, const ChunkSet& chunks, std::chrono::milliseconds op_timeout);

// How many of these keys (and their length keys) exist on the server, and
// the first of them: kvslo writes and later deletes a dataset, so it must
// not be there already (it would be someone else's data).
struct ExistingKeys {
  std::size_t count = 0;
  std::string first;
};
ExistingKeys find_existing(const net::Endpoint& endpoint, const ChunkSet& chunks, std::chrono::milliseconds op_timeout);
// Throws std::runtime_error naming the keys when any of them exist.
void require_absent(const net::Endpoint& endpoint, const ChunkSet& chunks, std::chrono::milliseconds op_timeout,
                    const std::string& whose);

// Points that read the same keys on the same server share a dataset: this
// string says which (a restart with other Redis settings empties the server).
std::string dataset_identity(const PointSpec& p);
// Whether a point reads kvslo's dataset (the null client, iperf3 and
// redis-benchmark do not; redis-benchmark brings its own).
bool reads_kvslo_dataset(const PointSpec& p);

// The with-metadata layout's length key beside a chunk.
std::string metadata_key(const std::string& chunk_key);

}  // namespace kvslo

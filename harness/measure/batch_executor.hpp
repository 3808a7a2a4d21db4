#pragma once
// Runs one batch of a point: picks the keys, prepares the caller memory
// (values for SET, poisoned buffers for GET), issues the operation(s) the
// layout needs, and hands back one status per chunk. Owns the clients and
// the batch's contiguous tile, so nothing is allocated per batch.

#include <memory>
#include <string>
#include <vector>

#include "experiment/point_spec.hpp"
#include "cluster/cluster_client.hpp"
#include "kv_client.hpp"

namespace kvslo {

class BatchExecutor {
 public:
  BatchExecutor(const PointSpec& spec, const net::Endpoint& endpoint);

  // Issues the batch of chunks [first, first + chunks_per_batch) (mod keys)
  // and returns one outcome per chunk (both operations of the with-metadata
  // layout merged). Only the operation(s) themselves are inside the timing
  // the caller takes around this call; preparation happens in prepare().
  void prepare(std::size_t first);
  BatchResult execute();

  std::size_t size() const { return keys_.size(); }
  std::size_t key_index(std::size_t i) const { return indexes_[i]; }
  std::string_view key(std::size_t i) const { return keys_[i]; }
  MutableBuffer buffer(std::size_t i) const { return buffers_[i]; }
  bool present(std::size_t i) const { return present_[i]; }
  std::vector<ConnectionInfo> connections() const { return client_->connections(); }
  std::optional<BatchStages> last_batch_stages() const { return client_->last_batch_stages(); }
  // The cluster layer when the point reads a cluster (null otherwise).
  const cluster::ClusterClient* cluster_client() const { return dynamic_cast<const cluster::ClusterClient*>(client_.get()); }
  // The redirections its clients followed (the with-metadata layout's length
  // reads have a client of their own).
  cluster::RedirectCounts redirects() const;

 private:
  BatchResult get_with_metadata();

  const PointSpec& spec_;
  std::unique_ptr<KvClient> client_;
  std::unique_ptr<KvClient> metadata_client_;  // with-metadata: reads lengths of unknown size
  std::vector<std::string> names_;             // every chunk key of the working set
  std::vector<std::string> metadata_names_;
  std::vector<std::byte> tile_;                // chunks_per_batch x chunk_size, contiguous
  std::vector<std::byte> metadata_tile_;
  std::vector<std::size_t> indexes_;
  std::vector<std::string_view> keys_, metadata_keys_;
  std::vector<MutableBuffer> buffers_, metadata_buffers_;
  std::vector<ConstBuffer> values_, metadata_values_;
  std::string length_text_;
  std::unique_ptr<bool[]> present_;
};

}  // namespace kvslo

#include "measure/batch_executor.hpp"

#include <cstdlib>
#include <cstring>

#include "measure/dataset.hpp"  // chunk_key
#include "measure/payload.hpp"
#include "registry.hpp"

namespace kvslo {
namespace {

constexpr std::size_t kMetadataBytes = 24;  // room for any decimal length

ClientOptions client_options(const PointSpec& spec, const net::Endpoint& endpoint) {
  ClientOptions o;
  o.endpoint = endpoint;
  o.streams = spec.streams;
  o.threads = spec.threads;
  o.pipeline_depth = spec.pipeline_depth;
  o.fixed_size = spec.fixed_size;
  o.sndbuf = spec.sndbuf;
  o.rcvbuf = spec.rcvbuf;
  o.op_timeout = spec.op_timeout;
  o.tile_bytes = spec.tile_bytes;
  o.inflight = spec.inflight;
  // The environment forces it without changing the point, to show that the
  // gate catches a real slowdown (see results/README.md).
  const char* bounce = std::getenv("KVSLO_DEBUG_BOUNCE_COPY");
  o.debug_bounce_copy = spec.receive == Receive::kBounce || (bounce != nullptr && std::string(bounce) == "1");
  return o;
}

}  // namespace

BatchExecutor::BatchExecutor(const PointSpec& spec, const net::Endpoint& endpoint)
    : spec_(spec), client_(make_client(spec.client, client_options(spec, endpoint))) {
  const std::size_t n = spec.key_count();
  const std::size_t per_batch = spec.chunks_per_batch;
  names_.resize(n);
  for (std::size_t i = 0; i < n; ++i) names_[i] = chunk_key(spec, i);
  // Touched once here, so page faults stay out of the timed region.
  tile_.assign(per_batch * spec.chunk_size, std::byte{0});
  indexes_.resize(per_batch);
  keys_.resize(per_batch);
  buffers_.resize(per_batch);
  values_.resize(per_batch);
  present_ = std::make_unique<bool[]>(per_batch);
  for (std::size_t i = 0; i < per_batch; ++i) {
    buffers_[i] = {tile_.data() + i * spec.chunk_size, spec.chunk_size};
    values_[i] = buffers_[i];
  }
  if (spec.layout == Layout::kWithMetadata) {
    // The reader does not know the length in advance in this layout: generic parsing.
    ClientOptions o = client_options(spec, endpoint);
    o.fixed_size = false;
    metadata_client_ = make_client(spec.client, o);
    metadata_names_.resize(n);
    for (std::size_t i = 0; i < n; ++i) metadata_names_[i] = metadata_key(names_[i]);
    metadata_tile_.assign(per_batch * kMetadataBytes, std::byte{0});
    metadata_keys_.resize(per_batch);
    metadata_buffers_.resize(per_batch);
    metadata_values_.resize(per_batch);
    length_text_ = std::to_string(spec.chunk_size);
    for (std::size_t i = 0; i < per_batch; ++i) {
      metadata_buffers_[i] = {metadata_tile_.data() + i * kMetadataBytes, kMetadataBytes};
      metadata_values_[i] = std::as_bytes(std::span(length_text_.data(), length_text_.size()));
    }
  }
}

cluster::RedirectCounts BatchExecutor::redirects() const {
  cluster::RedirectCounts sum;
  for (const KvClient* c : {client_.get(), metadata_client_.get()}) {
    if (const auto* routed = dynamic_cast<const cluster::ClusterClient*>(c)) {
      const auto counts = routed->redirects();
      sum.moved += counts.moved;
      sum.ask += counts.ask;
      sum.refreshes += counts.refreshes;
    }
  }
  return sum;
}

void BatchExecutor::prepare(std::size_t first) {
  const std::size_t n = names_.size();
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    indexes_[i] = (first + i) % n;
    keys_[i] = names_[indexes_[i]];
    if (metadata_client_) metadata_keys_[i] = metadata_names_[indexes_[i]];
  }
  if (spec_.op == Op::kSet) {
    // The same deterministic contents the loader wrote, so SET points leave
    // the dataset as later GET points expect it.
    for (std::size_t i = 0; i < keys_.size(); ++i) fill_payload(indexes_[i], buffers_[i]);
  } else if (spec_.op == Op::kGet && spec_.verify) {
    // Poisoned, so a client that reports success without filling a buffer
    // cannot pass verification with stale contents.
    std::memset(tile_.data(), 0xA5, tile_.size());
  }
  for (std::size_t i = 0; i < keys_.size(); ++i) buffers_[i] = {tile_.data() + i * spec_.chunk_size, spec_.chunk_size};
}

BatchResult BatchExecutor::execute() {
  if (spec_.op == Op::kExists) return client_->batch_exists(keys_, {present_.get(), keys_.size()});
  if (spec_.op == Op::kSet) {
    if (!metadata_client_) return client_->batch_set(keys_, values_);
    BatchResult lengths = metadata_client_->batch_set(metadata_keys_, metadata_values_);
    BatchResult chunks = client_->batch_set(keys_, values_);
    for (std::size_t i = 0; i < chunks.keys.size(); ++i) {
      if (lengths.keys[i].status != KeyStatus::kOk) chunks.keys[i] = lengths.keys[i];
      chunks.keys[i].latency_ns += lengths.keys[i].latency_ns;
    }
    return chunks;
  }
  if (!metadata_client_) return client_->batch_get(keys_, buffers_);
  return get_with_metadata();
}

BatchResult BatchExecutor::get_with_metadata() {
  // First the lengths, then the chunks: two operations per chunk. Every
  // chunk is read whole whatever its length key says, so the connection stays
  // in step; a length key that does not hold exactly the chunk size (corrupt,
  // oversized, another dataset's) makes that chunk a size mismatch.
  BatchResult lengths = metadata_client_->batch_get(metadata_keys_, metadata_buffers_);
  BatchResult chunks = client_->batch_get(keys_, buffers_);
  for (std::size_t i = 0; i < chunks.keys.size(); ++i) {
    const KeyOutcome& length = lengths.keys[i];
    KeyOutcome& chunk = chunks.keys[i];
    const std::uint64_t latency = chunk.latency_ns + length.latency_ns;
    if (length.status != KeyStatus::kOk) {
      chunk = length;
      chunk.message = "length key: " + chunk.message;
    } else if (const std::string_view text(reinterpret_cast<const char*>(metadata_buffers_[i].data()), length.value_size);
               text != length_text_) {
      chunk.status = KeyStatus::kSizeMismatch;
      chunk.message = "length key " + metadata_names_[indexes_[i]] + " holds '" + std::string(text.substr(0, 24)) +
                      "', expected the chunk size " + length_text_;
    }
    chunk.latency_ns = latency;
  }
  return chunks;
}

}  // namespace kvslo

#include "experiment/point_spec.hpp"

#include <stdexcept>

#include "experiment/client_catalog.hpp"
#include "experiment/fields.hpp"
#include "experiment/units.hpp"

namespace kvslo {

bool PointSpec::verifies() const { return verify && client_entry(client).reads_kvslo_dataset; }

std::string PointSpec::comparable() const {
  return to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::size_t PointSpec::batches() const {
  if (batches_per_trial > 0) return batches_per_trial;
  return std::max<std::size_t>(1, key_count() / chunks_per_batch);
}

void PointSpec::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(what);
  };
  const ClientEntry& entry = client_entry(client);  // throws for an unknown name, listing the known ones
  require(chunk_size > 0 && chunk_size <= limits::kMaxChunkSize, "chunk size must be from 1B to " + format_size(limits::kMaxChunkSize));
  require(chunks_per_batch > 0, "chunks per batch must be at least 1");
  require(working_set >= chunk_size, "chunk size " + format_size(chunk_size) + " is larger than the working set " +
                                         format_size(working_set));
  require(key_count() >= chunks_per_batch,
          "a batch (" + std::to_string(chunks_per_batch) + " x " + format_size(chunk_size) + " = " +
              format_size(batch_bytes()) + ") is larger than the working set (" + format_size(working_set) +
              "): a batch must not read a key twice");
  require(streams >= 1, "streams must be at least 1");
  require(threads >= 1 && threads <= streams, "threads must be from 1 to streams (" + std::to_string(streams) + ")");
  require(pipeline_depth >= 1, "pipeline depth must be at least 1");
  require(trials >= 1, "trials must be at least 1");
  require(warmup_batches >= 0, "warm-up batches must not be negative");
  require(!sndbuf || *sndbuf > 0, "sndbuf must be positive");
  require(!rcvbuf || *rcvbuf > 0, "rcvbuf must be positive");
  require(!key_prefix.empty(), "key prefix must not be empty");
  require(inflight >= 1, "inflight must be at least 1");
  require(!arrival.open_loop() || arrival.rate_per_s > 0, "an open-loop arrival needs a positive rate_per_s");
  require(!time_limit || time_limit->count() > 0, "time limit must be positive");
  require(!tile_bytes || *tile_bytes > 0, "tile bytes must be positive");
  require(op_timeout.count() > 0, "operation timeout must be positive");
  validate_fields(*this);
  entry.check(*this);
}

nlohmann::json PointSpec::to_json() const { return point_parameters(*this); }
std::string PointSpec::variant() const { return point_variant(*this); }
std::string PointSpec::label() const { return point_label(*this); }

}  // namespace kvslo

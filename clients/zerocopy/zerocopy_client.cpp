#include "zerocopy/zerocopy_client.hpp"

namespace kvslo {

ZeroCopyClient::ZeroCopyClient(ClientOptions options)
    : options_((options.validate(), std::move(options))), driver_(options_, options_.streams) {}

BatchResult ZeroCopyClient::run(BatchJob job) {
  BatchResult result(job.size());
  job.result = &result;
  job.fixed_size = options_.fixed_size;
  driver_.run(job, {0, job.size()});
  fail_unserved(job, {0, job.size()}, KeyStatus::kIoError, "internal: key left unserved");
  return result;
}

BatchResult ZeroCopyClient::batch_set(std::span<const std::string_view> keys, std::span<const ConstBuffer> values) {
  check_batch_shape(keys.size(), values.size(), "values");
  BatchJob job;
  job.kind = OpKind::kSet;
  job.keys = keys;
  job.values = values;
  return run(job);
}

BatchResult ZeroCopyClient::batch_get(std::span<const std::string_view> keys, std::span<const MutableBuffer> buffers) {
  check_batch_shape(keys.size(), buffers.size(), "buffers");
  BatchJob job;
  job.kind = OpKind::kGet;
  job.keys = keys;
  job.buffers = buffers;
  return run(job);
}

BatchResult ZeroCopyClient::batch_exists(std::span<const std::string_view> keys, std::span<bool> present) {
  check_batch_shape(keys.size(), present.size(), "presence slots");
  BatchJob job;
  job.kind = OpKind::kExists;
  job.keys = keys;
  job.present = present;
  return run(job);
}

}  // namespace kvslo

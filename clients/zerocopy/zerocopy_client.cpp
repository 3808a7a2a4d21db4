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
  return run(BatchJob::set(keys, values));
}

BatchResult ZeroCopyClient::batch_get(std::span<const std::string_view> keys, std::span<const MutableBuffer> buffers) {
  return run(BatchJob::get(keys, buffers));
}

BatchResult ZeroCopyClient::batch_exists(std::span<const std::string_view> keys, std::span<bool> present) {
  return run(BatchJob::exists(keys, present));
}

}  // namespace kvslo

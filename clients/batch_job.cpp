#include "batch_job.hpp"

#include <stdexcept>
#include <string>

namespace kvslo {

KeyRange balanced_range(std::size_t n, std::size_t parts, std::size_t index) {
  const std::size_t base = n / parts;
  const std::size_t extra = n % parts;
  const std::size_t begin = index * base + std::min(index, extra);
  return {begin, begin + base + (index < extra ? 1 : 0)};
}

void fail_unserved(const BatchJob& job, KeyRange range, KeyStatus status, const std::string& message) {
  for (std::size_t i = range.begin; i < range.end; ++i) {
    KeyOutcome& o = job.outcome(i);
    if (o.status == KeyStatus::kNotRun) {
      o.status = status;
      o.message = message;
    }
  }
}

namespace {

void check_batch_shape(std::size_t keys, std::size_t other, const char* what) {
  if (keys != other) {
    throw std::invalid_argument("batch has " + std::to_string(keys) + " keys but " + std::to_string(other) + " " +
                                what);
  }
}

}  // namespace

BatchJob BatchJob::get(std::span<const std::string_view> keys, std::span<const MutableBuffer> buffers) {
  check_batch_shape(keys.size(), buffers.size(), "buffers");
  BatchJob job;
  job.kind = OpKind::kGet;
  job.keys = keys;
  job.buffers = buffers;
  return job;
}

BatchJob BatchJob::set(std::span<const std::string_view> keys, std::span<const ConstBuffer> values) {
  check_batch_shape(keys.size(), values.size(), "values");
  BatchJob job;
  job.kind = OpKind::kSet;
  job.keys = keys;
  job.values = values;
  return job;
}

BatchJob BatchJob::exists(std::span<const std::string_view> keys, std::span<bool> present) {
  check_batch_shape(keys.size(), present.size(), "presence slots");
  BatchJob job;
  job.kind = OpKind::kExists;
  job.keys = keys;
  job.present = present;
  return job;
}

}  // namespace kvslo

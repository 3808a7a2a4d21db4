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

void check_batch_shape(std::size_t keys, std::size_t other, const char* what) {
  if (keys != other) {
    throw std::invalid_argument("batch has " + std::to_string(keys) + " keys but " + std::to_string(other) + " " +
                                what);
  }
}

}  // namespace kvslo

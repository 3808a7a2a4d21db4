#include "batch_result.hpp"

namespace kvslo {

std::string_view to_string(KeyStatus status) {
  switch (status) {
    case KeyStatus::kOk: return "ok";
    case KeyStatus::kMissing: return "missing";
    case KeyStatus::kSizeMismatch: return "size_mismatch";
    case KeyStatus::kServerError: return "server_error";
    case KeyStatus::kIoError: return "io_error";
    case KeyStatus::kTimeout: return "timeout";
    case KeyStatus::kCancelled: return "cancelled";
    case KeyStatus::kNotRun: return "not_run";
  }
  return "unknown";
}

bool BatchResult::all_ok() const {
  for (const auto& k : keys) {
    if (k.status != KeyStatus::kOk) return false;
  }
  return true;
}

std::size_t BatchResult::count(KeyStatus status) const { return counts()[static_cast<std::size_t>(status)]; }

std::array<std::size_t, kKeyStatusCount> BatchResult::counts() const {
  std::array<std::size_t, kKeyStatusCount> c{};
  for (const auto& k : keys) ++c[static_cast<std::size_t>(k.status)];
  return c;
}

std::string BatchResult::first_failure() const {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].status != KeyStatus::kOk) {
      std::string s = "key #" + std::to_string(i) + ": " + std::string(to_string(keys[i].status));
      if (!keys[i].message.empty()) s += ": " + keys[i].message;
      return s;
    }
  }
  return {};
}

}  // namespace kvslo

#include "batch_result.hpp"

namespace kvslo {

namespace {

// Every status below kKeyStatusCount has a name, and the value at it has none:
// the count covers exactly the statuses to_string knows.
constexpr bool key_status_count_matches_names() {
  for (std::size_t s = 0; s < kKeyStatusCount; ++s) {
    if (to_string(static_cast<KeyStatus>(s)) == "unknown") return false;
  }
  return to_string(static_cast<KeyStatus>(kKeyStatusCount)) == "unknown";
}
static_assert(key_status_count_matches_names(), "kKeyStatusCount is out of step with KeyStatus");

}  // namespace

bool BatchResult::all_ok() const {
  for (const auto& k : keys) {
    if (k.status != KeyStatus::kOk) return false;
  }
  return true;
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

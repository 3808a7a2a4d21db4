#pragma once
// A point's fleet record in one console line: the fleet's first-done figure,
// each rank's median GB/s and their balance, the start skew, and what the
// ranks that sat a trial out spent waiting (an idle rank must not spin).

#include <string>

#include <nlohmann/json.hpp>

namespace kvslo::fleet {

// "" when the record holds no trial.
std::string fleet_line(const nlohmann::json& fleet);

}  // namespace kvslo::fleet

#pragma once
// What a scenario refused, for tests of its error messages.

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "experiment/scenario.hpp"

namespace kvslo::testing {

// Runs `attempt`; returns the ScenarioError's message, or "" when it
// succeeds. Any other exception is a failure: the CLI turns only
// ScenarioError into exit 2.
inline std::string scenario_error(const std::function<void()>& attempt) {
  try {
    attempt();
    return "";
  } catch (const ScenarioError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a ScenarioError: " << e.what();
    return "(not a ScenarioError)";
  }
}

}  // namespace kvslo::testing

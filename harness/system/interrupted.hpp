#pragma once
// Thrown when a stop request (Ctrl-C, SIGTERM) cuts work short: the point is
// recorded as interrupted, not as failed.

#include <stdexcept>
#include <string>

namespace kvslo {

class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace kvslo

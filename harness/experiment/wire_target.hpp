#pragma once
// Where the wire is measured: an `iperf3 -s` as HOST[:PORT], as a scenario's
// "wire" or --wire-target names it (checked when it is read).

#include <cstdint>
#include <string>

namespace kvslo {

struct WireTarget {
  std::string host;
  std::uint16_t port = 5201;
  std::string display() const { return host + ":" + std::to_string(port); }
  // "host", "host:port", "[v6]:port"; throws std::invalid_argument.
  static WireTarget parse(const std::string& text);
};

}  // namespace kvslo

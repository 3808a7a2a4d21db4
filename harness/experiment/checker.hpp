#pragma once
// Checks a value a user wrote (a scenario file, --set, a flag) and says what
// is wrong as "<source>: at <json path>: expected <what>, got <value>".
// Every field of a point is read through it, so every refusal looks alike.

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kvslo {

class ScenarioError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// A value as shown in a message: at most 60 characters, never cut inside a
// UTF-8 sequence, and never throwing on text that is not UTF-8.
std::string shown(const nlohmann::json& v);
bool is_utf8(const std::string& text);

struct Checker {
  std::string file;  // what the value came from: a file name, or "... with --set x"

  [[noreturn]] void fail(const std::string& path, const std::string& message) const;
  [[noreturn]] void expected(const std::string& path, const std::string& what, const nlohmann::json& got) const;
  // An integer from min (>= 0) to max. Unsigned JSON values are compared as
  // such, never cast: 4294967297 is not 1 stream, 2^63 is not negative.
  std::int64_t integer(const std::string& path, const nlohmann::json& v, std::int64_t min, std::int64_t max,
                       const std::string& what) const;
  // A finite number above 0 and at most max.
  double positive(const std::string& path, const nlohmann::json& v, double max, const std::string& what) const;
  // A share from min to below 1: "5%" or 0.05.
  double fraction(const std::string& path, const nlohmann::json& v, double min) const;
  // A positive size of at most max bytes; `why` says where the maximum comes from.
  std::uint64_t size(const std::string& path, const nlohmann::json& v, std::uint64_t max, const std::string& why = "") const;
  std::chrono::milliseconds duration(const std::string& path, const nlohmann::json& v, const std::string& example) const;
  std::string one_of(const std::string& path, const nlohmann::json& v, const std::vector<std::string>& choices) const;
  bool boolean(const std::string& path, const nlohmann::json& v) const;
  void only_keys(const std::string& path, const nlohmann::json& object, const std::vector<std::string>& allowed) const;
};

// "60s", "500ms", "2m" -> milliseconds, from 1ms to 24h; throws std::invalid_argument.
std::chrono::milliseconds parse_duration(const std::string& text);

}  // namespace kvslo

#include "experiment/checker.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "experiment/point_spec.hpp"
#include "experiment/units.hpp"

namespace kvslo {

using nlohmann::json;

// A value as shown in a message: at most 60 characters, never cut inside a
// UTF-8 sequence, and never throwing on text that is not UTF-8 (dump() would).
std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() <= 60) return s;
  std::size_t cut = 57;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut) + "...";
}

bool is_utf8(const std::string& text) {
  try {
    (void)json(text).dump();
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}


void Checker::fail(const std::string& path, const std::string& message) const {
  throw ScenarioError(file + ": at " + (path.empty() ? "/" : path) + ": " + message);
}
void Checker::expected(const std::string& path, const std::string& what, const json& got) const {
  fail(path, "expected " + what + ", got " + shown(got));
}
// An integer from min (>= 0) to max. Unsigned JSON values are compared as
// such, never cast: 4294967297 is not 1 stream, 2^63 is not negative.
std::int64_t Checker::integer(const std::string& path, const json& v, std::int64_t min, std::int64_t max,
                     const std::string& what) const {
  bool ok = false;
  if (v.is_number_unsigned()) {
    ok = v.get<std::uint64_t>() <= static_cast<std::uint64_t>(max) && v.get<std::int64_t>() >= min;
  } else if (v.is_number_integer()) {
    ok = v.get<std::int64_t>() >= min && v.get<std::int64_t>() <= max;
  }
  if (!ok) {
    fail(path, "expected " + what + ", got " + shown(v) + " (accepted: " + format_count(static_cast<std::uint64_t>(min)) +
                   " to " + format_count(static_cast<std::uint64_t>(max)) + ")");
  }
  return v.get<std::int64_t>();
}
// A finite number above 0 and at most max.
double Checker::positive(const std::string& path, const json& v, double max, const std::string& what) const {
  if (!v.is_number() || !(v.get<double>() > 0) || !(v.get<double>() <= max)) {
    fail(path, "expected " + what + " (at most " + format_count(static_cast<std::uint64_t>(max)) + "), got " + shown(v));
  }
  return v.get<double>();
}
double Checker::fraction(const std::string& path, const json& v, double min) const {
  const std::string what = "a share such as \"5%\" or 0.05, from " + format_fixed(min * 100, 1) + "% to below 100%";
  double share = -1;
  if (v.is_number()) {
    share = v.get<double>();
  } else if (v.is_string()) {
    // "5%", or "0.05" as a flag gives it.
    const std::string text = v.get<std::string>();
    const bool percent = !text.empty() && text.back() == '%';
    const std::string number = percent ? text.substr(0, text.size() - 1) : text;
    char* end = nullptr;
    const double parsed = number.empty() ? -1 : std::strtod(number.c_str(), &end);
    if (end == number.c_str() + number.size() && std::isdigit(static_cast<unsigned char>(number.front()))) {
      share = percent ? parsed / 100 : parsed;
    }
  }
  if (!(share >= min) || !(share < 1)) expected(path, what, v);
  return share;
}

// A positive size of at most max bytes; `why` says where the maximum comes from.
std::uint64_t Checker::size(const std::string& path, const json& v, std::uint64_t max, const std::string& why) const {
  std::uint64_t n = 0;
  if (v.is_number_unsigned()) {
    n = v.get<std::uint64_t>();
  } else if (!v.is_string()) {
    expected(path, "a size such as \"4MiB\" or \"40MB\"", v);
  } else {
    try {
      n = parse_size(v.get<std::string>());
    } catch (const std::invalid_argument& e) {
      fail(path, e.what());
    }
  }
  if (n == 0) expected(path, "a positive size", v);
  if (n > max) expected(path, "a size of at most " + format_size(max) + why, v);
  return n;
}
std::chrono::milliseconds Checker::duration(const std::string& path, const json& v, const std::string& example) const {
  if (!v.is_string()) expected(path, "a duration such as " + example, v);
  try {
    return parse_duration(v.get<std::string>());
  } catch (const std::invalid_argument& e) {
    fail(path, e.what());
  }
}
std::string Checker::one_of(const std::string& path, const json& v, const std::vector<std::string>& choices) const {
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  if (!v.is_string() || std::find(choices.begin(), choices.end(), v.get<std::string>()) == choices.end()) {
    expected(path, "one of " + list, v);
  }
  return v.get<std::string>();
}
bool Checker::boolean(const std::string& path, const json& v) const {
  if (!v.is_boolean()) expected(path, "true or false", v);
  return v.get<bool>();
}
void Checker::only_keys(const std::string& path, const json& object, const std::vector<std::string>& allowed) const {
  if (!object.is_object()) expected(path, "an object", object);
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      fail(path + "/" + key, "unknown key '" + key + "' (expected one of " + list + ")");
    }
  }
}

// Strict: the whole number must parse ("1.2.3s" is not 1.2 s), and the result
// must be from 1 ms to 24 h (no overflow into a negative or a zero that
// would mean "forever" to iperf3).
std::chrono::milliseconds parse_duration(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  const std::string unit = text.substr(i);
  const double scale = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : unit == "h" ? 3600000 : 0;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (i == 0 || scale == 0 || end != text.data() + i || (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
    throw std::invalid_argument("invalid duration '" + text + "' (expected a number with ms, s, m or h, e.g. 60s)");
  }
  const double ms = ec == std::errc::result_out_of_range ? HUGE_VAL : value * scale;
  if (!(ms >= 1) || !(ms <= static_cast<double>(limits::kMaxDuration.count()))) {
    throw std::invalid_argument("invalid duration '" + text + "': expected at least 1ms and at most 24h");
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

}  // namespace kvslo

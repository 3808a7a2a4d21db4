#include "experiment/units.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <utility>

namespace kvslo {
namespace {

constexpr std::pair<std::string_view, std::uint64_t> kUnits[] = {
    {"B", 1},
    {"KB", 1000ull},
    {"MB", 1000ull * 1000},
    {"GB", 1000ull * 1000 * 1000},
    {"TB", 1000ull * 1000 * 1000 * 1000},
    {"KiB", 1ull << 10},
    {"MiB", 1ull << 20},
    {"GiB", 1ull << 30},
    {"TiB", 1ull << 40},
};

}  // namespace

std::uint64_t parse_size(std::string_view text) {
  auto reject = [&](const std::string& why) -> std::uint64_t {
    throw std::invalid_argument("invalid size '" + std::string(text) + "': " + why +
                                " (expected a number with an optional unit: B, KB, MB, GB, TB (powers of 10) or "
                                "KiB, MiB, GiB, TiB (powers of 2), e.g. 4MiB)");
  };
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return reject("no number");
  const std::string number(text.substr(0, i));
  std::string_view unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  std::uint64_t scale = 0;
  if (unit.empty()) scale = 1;
  for (const auto& [name, value] : kUnits) {
    if (unit == name) scale = value;
  }
  if (scale == 0) return reject("unknown unit '" + std::string(unit) + "'");
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !std::isfinite(value)) return reject("bad number");
  const double bytes = value * static_cast<double>(scale);
  if (bytes > 1e18) return reject("too large");
  if (bytes != std::floor(bytes)) return reject("not a whole number of bytes");
  return static_cast<std::uint64_t>(bytes);
}

std::string format_size(std::uint64_t bytes) {
  if (bytes == 0) return "0B";
  // Prefer the unit that expresses the value exactly, largest first.
  for (std::string_view name : {"TiB", "GiB", "MiB", "KiB", "TB", "GB", "MB", "KB"}) {
    for (const auto& [unit, scale] : kUnits) {
      if (unit == name && bytes % scale == 0) return std::to_string(bytes / scale) + std::string(unit);
    }
  }
  return std::to_string(bytes) + "B";
}

std::string format_size_approx(std::uint64_t bytes) {
  // Exact when it reads well ("4MiB", "1.5GB"), else one decimal in the largest binary unit
  // ("166656512KiB" is 158.9GiB).
  const std::string exact = format_size(bytes);
  const std::size_t digits = static_cast<std::size_t>(std::count_if(exact.begin(), exact.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  }));
  if (digits <= 4) return exact;
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = -1;
  while (v >= 1024 && u < 3) {
    v /= 1024;
    ++u;
  }
  if (u < 0) return exact;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%s", v, units[u]);
  return buffer;
}

std::string format_count(std::uint64_t count) {
  // Built left to right (GCC 12 at -O2 warns, wrongly, on insert() into the middle).
  const std::string digits = std::to_string(count);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string format_gbps(double gbps) { return format_fixed(gbps) + " GB/s"; }

std::string format_fixed(double value, int decimals) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace kvslo

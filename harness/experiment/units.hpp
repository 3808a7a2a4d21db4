#pragma once
// Sizes with units. Decimal units (KB, MB, GB) are powers of 10 and binary
// units (KiB, MiB, GiB) powers of 2; throughput is always GB/s = 10^9 B/s.

#include <cstdint>
#include <string>
#include <string_view>

namespace kvslo {

// "4MiB", "512KiB", "40MB", "1GB", "4096" (bytes), "1.5GiB". Throws
// std::invalid_argument naming the text and the accepted units.
std::uint64_t parse_size(std::string_view text);
// Exact binary or decimal form when there is one ("4MiB", "40MB"), else bytes.
std::string format_size(std::uint64_t bytes);
// As format_size when exact; otherwise one decimal in the largest binary unit ("563.7KiB").
std::string format_size_approx(std::uint64_t bytes);
// A count with thousands separators, for limits in messages ("1,000,000").
std::string format_count(std::uint64_t count);
// Bytes per second as GB/s with two decimals, e.g. "2.35 GB/s".
std::string format_gbps(double gbps);
// A number with `decimals` digits after the point, for tables ("2.49").
std::string format_fixed(double value, int decimals = 2);

}  // namespace kvslo

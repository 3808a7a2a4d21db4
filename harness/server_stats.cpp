#include "server_stats.hpp"

#include <chrono>
#include <stdexcept>
#include <string>

#include "command_channel.hpp"

namespace kvslo {
namespace {

std::string info_field(const net::Endpoint& endpoint, const char* section, const std::string& field) {
  CommandChannel channel(endpoint, std::chrono::milliseconds(3000));
  const std::string info = channel.call_ok({"INFO", section}).text;
  const auto at = info.find("\n" + field + ":");
  if (at == std::string::npos) throw std::runtime_error(std::string("INFO ") + section + " has no " + field);
  const auto start = at + field.size() + 2;
  return info.substr(start, info.find('\r', start) - start);
}

}  // namespace

double server_cpu_seconds(const net::Endpoint& endpoint) {
  return std::stod(info_field(endpoint, "cpu", "used_cpu_user")) + std::stod(info_field(endpoint, "cpu", "used_cpu_sys"));
}

std::uint64_t keyspace_misses(const net::Endpoint& endpoint) {
  return std::stoull(info_field(endpoint, "stats", "keyspace_misses"));
}

}  // namespace kvslo

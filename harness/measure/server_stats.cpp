#include "measure/server_stats.hpp"

#include <chrono>
#include <string>

#include "command_channel.hpp"
#include "system/redis_info.hpp"

namespace kvslo {
namespace {

InfoFields info(const net::Endpoint& endpoint, const char* section) {
  CommandChannel channel(endpoint, std::chrono::milliseconds(3000));
  return read_info(channel, section);
}

}  // namespace

double server_cpu_seconds(const net::Endpoint& endpoint) {
  const InfoFields cpu = info(endpoint, "cpu");
  return cpu.number("used_cpu_user") + cpu.number("used_cpu_sys");
}

std::uint64_t keyspace_misses(const net::Endpoint& endpoint) {
  return std::stoull(info(endpoint, "stats").at("keyspace_misses"));
}

}  // namespace kvslo

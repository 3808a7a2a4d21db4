#pragma once
// What the numbers were measured on: host, kernel, build, network settings,
// and the Redis server (version and the config that shapes throughput).

#include <nlohmann/json.hpp>

#include "net/endpoint.hpp"

namespace kvslo {

nlohmann::json describe_host();
nlohmann::json describe_build();
// Reads INFO and CONFIG GET from the server; never changes anything. On
// failure returns {"error": ...} rather than throwing: a missing field must
// not lose a run.
nlohmann::json describe_redis(const net::Endpoint& endpoint, bool embedded);
// Bytes the kernel says are available for new allocations (MemAvailable).
std::uint64_t available_memory_bytes();

}  // namespace kvslo

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
// "Redis 7.0.15", "Valkey 8.0.1", or what other server describe_redis found.
std::string server_name(const nlohmann::json& redis);
// Environment variables that change what is measured (an extra copy, another
// redis-benchmark build, another Python), as name -> value, for the
// results' environment. Secrets (KVSLO_REDIS_PASSWORD) are never among them.
nlohmann::json measurement_knobs();
// The knobs among those that change a point of `client`.
nlohmann::json knobs_affecting(const std::string& client);
// One line on what a knob does to the numbers.
std::string knob_effect(const std::string& name);
// Bytes the kernel says are available for new allocations (MemAvailable).
std::uint64_t available_memory_bytes();

}  // namespace kvslo

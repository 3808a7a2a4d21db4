#pragma once
// What a Redis server says about itself: INFO text ("# Section" headers,
// "key:value" lines, CRLF) and CONFIG GET replies, parsed in one place.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/endpoint.hpp"

namespace kvslo {

class CommandChannel;

// INFO fields by section ("server", "cpu": the header lower-cased; "" for
// lines before any header), then by key.
struct InfoFields {
  std::map<std::string, std::map<std::string, std::string>> sections;

  // The value of `key` in whichever section holds it.
  std::optional<std::string> find(std::string_view key) const;
  // As find, throwing std::runtime_error naming the key when it is absent.
  const std::string& at(std::string_view key) const;
  // As at, as a number (std::runtime_error when it is not one).
  double number(std::string_view key) const;
};

// Lines that are neither headers nor "key:value" are skipped.
InfoFields parse_info(std::string_view text);

// INFO <section>; throws on an error reply or I/O failure.
InfoFields read_info(CommandChannel& channel, std::string_view section);

// CONFIG GET for each name, as {name: value}; a name the server does not
// know is left out. Throws on I/O failure.
nlohmann::json config_get(CommandChannel& channel, const std::vector<std::string>& names);

// config_get over a fresh connection to `endpoint`; on failure, what was
// read so far and "error": why.
nlohmann::json read_redis_config(const net::Endpoint& endpoint, const std::vector<std::string>& names);

}  // namespace kvslo

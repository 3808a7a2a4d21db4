#pragma once
// Where a Redis server is and how to reach it: redis://[user[:password]@]host:port,
// the same in TLS (rediss://), or unix:///path. The password is a secret:
// display() and every error message leave it out.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "net/tls.hpp"

namespace kvslo::net {

struct Endpoint {
  enum class Kind { kTcp, kUnix };
  Kind kind = Kind::kTcp;
  std::string host;       // kTcp: name or address (IPv6 without brackets)
  std::uint16_t port = 0;  // kTcp
  std::string path;       // kUnix
  std::string user;       // empty: the default user
  std::string password;   // empty: no AUTH
  // A Redis Cluster node (redis-cluster://, or found to be one): clients
  // read the topology from it and route each key to its shard.
  bool cluster = false;
  // rediss://: TLS, with these settings (the URL turns it on; the CA, a
  // client certificate and the rest come from the caller's options).
  std::optional<TlsSettings> tls;

  // Throws std::invalid_argument naming what is wrong (never the password).
  static Endpoint parse(std::string_view url);
  // parse(), then the password from KVSLO_REDIS_PASSWORD when the URL has none.
  static Endpoint parse_with_environment(std::string_view url);
  static Endpoint tcp(std::string host, std::uint16_t port);

  // For logs, errors and results: the URL with the password replaced by ***.
  std::string display() const;
  bool has_password() const { return !password.empty(); }
};

}  // namespace kvslo::net

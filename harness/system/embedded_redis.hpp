#pragma once
// A private redis-server (or valkey-server) for one run or one test: loopback only, a free port,
// a private temp dir, persistence off, maxmemory sized by the caller and
// eviction off (so an undersized server fails loudly instead of silently
// dropping chunks). It is stopped on destruction, and dies with this
// process if this process dies (PR_SET_PDEATHSIG). The same, with kvslo's
// reference server in place of redis-server (kind kReference; its password
// goes through its environment, io-threads sets its threads).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "experiment/point_enums.hpp"
#include "net/endpoint.hpp"
#include "system/throwaway_pki.hpp"

namespace kvslo {

class ChildProcess;
struct ChildOptions;

struct EmbeddedRedisOptions {
  ServerKind kind = ServerKind::kRedis;
  std::uint64_t maxmemory_bytes = 0;  // 0: no limit
  std::string requirepass;            // empty: no AUTH
  bool unix_socket = false;           // also listen on <dir>/redis.sock
  // Also listen for TLS on a second port, with a throwaway CA and server
  // certificate made in its directory (redis-server only).
  bool tls = false;
  bool tls_client_certificates = false;  // require one (tls-auth-clients yes)
  std::vector<std::pair<std::string, std::string>> config;  // extra directives
  std::chrono::milliseconds start_timeout{10000};
};

class EmbeddedRedis {
 public:
  explicit EmbeddedRedis(EmbeddedRedisOptions options = {});
  ~EmbeddedRedis();
  EmbeddedRedis(const EmbeddedRedis&) = delete;
  EmbeddedRedis& operator=(const EmbeddedRedis&) = delete;

  // TCP endpoint, with the password when one is set.
  net::Endpoint endpoint() const;
  net::Endpoint unix_endpoint() const;
  bool speaks_tls() const { return options_.tls; }
  // rediss:// on the TLS port, trusting the throwaway CA (options.tls only).
  net::Endpoint tls_endpoint() const;
  // The certificates it was given (options.tls only).
  const ThrowawayPki& pki() const { return pki_; }
  std::uint16_t port() const { return port_; }
  pid_t pid() const;  // -1 when not running
  const std::string& directory() const { return directory_; }
  // Its own version: redis_version, Valkey's valkey_version, or the
  // reference server's kvslo_reference_version.
  const std::string& version() const { return version_; }
  // INFO's redis_version: for Valkey the Redis it is compatible with (7.2.4
  // for Valkey 8), not its own; empty for the reference server.
  const std::string& redis_version() const { return redis_version_; }
  bool running() const;

  // SIGTERM, then SIGKILL if it has not exited within a few seconds.
  void stop();
  // For fault-injection tests.
  void kill_now();
  void pause();
  void resume();

 private:
  bool try_start(const std::string& server, std::uint16_t port, std::string& failure);
  std::optional<bool> answer_is_ours();
  void write_config(const std::string& path, std::uint16_t port) const;
  ChildOptions reference_command(const std::string& server, std::uint16_t port) const;
  std::string log_tail() const;
  std::string log_path() const;
  std::string program() const;  // its name, for messages

  EmbeddedRedisOptions options_;
  std::string directory_;
  std::uint16_t port_ = 0;
  std::uint16_t tls_port_ = 0;
  ThrowawayPki pki_;
  std::unique_ptr<ChildProcess> server_;
  std::string version_;
  std::string redis_version_;
};

// The program a kind of embedded server runs: "redis-server", "valkey-server", ...
std::string embedded_server_program(ServerKind kind);

}  // namespace kvslo

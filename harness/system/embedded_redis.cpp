#include "system/embedded_redis.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unistd.h>

#include "command_channel.hpp"
#include "system/child_process.hpp"
#include "system/loopback_port.hpp"
#include "system/redis_info.hpp"

namespace kvslo {
namespace {

namespace fs = std::filesystem;

constexpr std::chrono::milliseconds kStopGrace{5000};

std::string quote(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// Next to kvslo's own build (CMake records where), or $KVSLO_REFERENCE_SERVER.
std::string reference_server_path() {
  const char* chosen = std::getenv("KVSLO_REFERENCE_SERVER");
  if (chosen && *chosen) return ::access(chosen, X_OK) == 0 ? chosen : "";
#ifdef KVSLO_REFERENCE_SERVER_PATH
  if (::access(KVSLO_REFERENCE_SERVER_PATH, X_OK) == 0) return KVSLO_REFERENCE_SERVER_PATH;
#endif
  return {};
}

// How kvslo finds each server, and what it says when the server is missing.
std::string find_server(ServerKind kind) {
  switch (kind) {
    case ServerKind::kReference: return reference_server_path();
    case ServerKind::kValkey: return find_on_path("valkey-server");
    case ServerKind::kRedis: break;
  }
  return find_on_path("redis-server");
}

std::string missing_server_message(ServerKind kind) {
  switch (kind) {
    case ServerKind::kReference:
      return "kvslo-reference-server not found: build it with scripts/build.sh (or set KVSLO_REFERENCE_SERVER to its path)";
    case ServerKind::kValkey:
      return "valkey-server not found on PATH: run scripts/install-deps.sh (it installs Valkey 8.0 from Debian's "
             "bookworm-backports: apt-get install valkey-server/bookworm-backports), or point kvslo at a running "
             "server with --redis redis://host:port";
    case ServerKind::kRedis: break;
  }
  return "redis-server not found on PATH: install it with 'apt-get install redis-server' (or run "
         "scripts/install-deps.sh), or point kvslo at a running server with --redis redis://host:port";
}

}  // namespace

std::string embedded_server_program(ServerKind kind) {
  switch (kind) {
    case ServerKind::kReference: return "kvslo-reference-server";
    case ServerKind::kValkey: return "valkey-server";
    case ServerKind::kRedis: break;
  }
  return "redis-server";
}

EmbeddedRedis::EmbeddedRedis(EmbeddedRedisOptions options) : options_(std::move(options)) {
  const bool reference = options_.kind == ServerKind::kReference;
  if (reference && options_.unix_socket) throw std::invalid_argument("the reference server listens on TCP only");
  if (reference && options_.tls) throw std::invalid_argument("the reference server has no TLS");
  const std::string server = find_server(options_.kind);
  if (server.empty()) throw std::runtime_error(missing_server_message(options_.kind));
  std::string templ = (fs::temp_directory_path() / ("kvslo-" + to_string(options_.kind) + "-XXXXXX")).string();
  if (::mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error("creating a temp dir for " + program() + ": " + std::string(std::strerror(errno)));
  }
  directory_ = templ;
  if (options_.tls) {
    try {
      pki_ = make_throwaway_pki(directory_);
    } catch (const std::exception&) {
      std::error_code ignored;
      fs::remove_all(directory_, ignored);
      throw;
    }
  }
  std::string failure;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (try_start(server, pick_free_port(), failure)) return;
  }
  std::error_code ignored;
  fs::remove_all(directory_, ignored);
  throw std::runtime_error(program() + " did not start: " + failure);
}

EmbeddedRedis::~EmbeddedRedis() {
  stop();
  std::error_code ignored;
  fs::remove_all(directory_, ignored);
}

void EmbeddedRedis::write_config(const std::string& path, std::uint16_t port) const {
  // A config file (mode 0600) rather than arguments keeps a password out of `ps`.
  std::ofstream config(path);
  config << "port " << port << "\nbind 127.0.0.1\nprotected-mode no\ndaemonize no\n"
         << "dir " << quote(directory_) << "\nlogfile " << quote(log_path()) << "\n"
         << "save \"\"\nappendonly no\nmaxmemory-policy noeviction\n";
  if (options_.maxmemory_bytes > 0) config << "maxmemory " << options_.maxmemory_bytes << "\n";
  if (!options_.requirepass.empty()) config << "requirepass " << quote(options_.requirepass) << "\n";
  if (options_.unix_socket) config << "unixsocket " << quote(directory_ + "/redis.sock") << "\nunixsocketperm 700\n";
  if (options_.tls) {
    config << "tls-port " << tls_port_ << "\ntls-cert-file " << quote(pki_.server_cert) << "\ntls-key-file "
           << quote(pki_.server_key) << "\ntls-ca-cert-file " << quote(pki_.ca_cert) << "\ntls-auth-clients "
           << (options_.tls_client_certificates ? "yes" : "no") << "\n";
  }
  for (const auto& [key, value] : options_.config) config << key << " " << quote(value) << "\n";
}

std::string EmbeddedRedis::program() const { return embedded_server_program(options_.kind); }

std::string EmbeddedRedis::log_path() const { return directory_ + "/" + to_string(options_.kind) + ".log"; }

ChildOptions EmbeddedRedis::reference_command(const std::string& server, std::uint16_t port) const {
  std::string threads = "1";
  for (const auto& [key, value] : options_.config) {
    if (key == "io-threads") threads = value;  // the one setting it shares with Redis
  }
  ChildOptions options;
  options.argv = {server, "--bind", "127.0.0.1", "--port", std::to_string(port), "--threads", threads,
                  "--maxmemory", std::to_string(options_.maxmemory_bytes)};
  // Its environment, not its command line (which any local user can read).
  if (!options_.requirepass.empty()) options.environment.emplace_back("KVSLO_REFERENCE_PASSWORD", options_.requirepass);
  options.out = ChildStream::discard();  // "port <n>": kvslo chose it
  std::error_code ignored;
  fs::remove(log_path(), ignored);  // a failed attempt's, in our own directory
  options.err = ChildStream::file(log_path());
  options.death_signal = SIGKILL;
  return options;
}

// Whether the server answering on port_ is ours (another process may have
// taken the port first); nullopt while nothing answers yet.
std::optional<bool> EmbeddedRedis::answer_is_ours() {
  // Before the password is sent: a server that took the port first must not
  // learn it (the kernel says who listens; the INFO check below covers the
  // hosts where /proc cannot tell).
  // Not listening (yet): wait; a server that cannot bind exits, and the start-up loop sees it.
  if (listens_on(server_->pid(), port_) == false) return std::nullopt;
  try {
    CommandChannel channel(endpoint(), std::chrono::milliseconds(500));
    const resp::Reply pong = channel.call({"PING"});
    if (pong.type != resp::Reply::Type::kSimpleString) return std::nullopt;  // e.g. still loading
    const InfoFields info = read_info(channel, "server");
    // Valkey also says redis_version (7.2.4, the Redis it is compatible with); its own is valkey_version.
    const char* own_version = options_.kind == ServerKind::kReference ? "kvslo_reference_version"
                              : options_.kind == ServerKind::kValkey  ? "valkey_version"
                                                                      : "redis_version";
    version_ = info.find(own_version).value_or("");
    redis_version_ = info.find("redis_version").value_or("");
    return info.find("process_id") == std::to_string(server_->pid());
  } catch (const std::exception&) {
    return std::nullopt;  // not listening yet
  }
}

bool EmbeddedRedis::try_start(const std::string& server, std::uint16_t port, std::string& failure) {
  try {
    if (options_.kind == ServerKind::kReference) {
      server_ = std::make_unique<ChildProcess>(reference_command(server, port));
    } else {
      const std::string config_path = directory_ + "/redis.conf";
      if (options_.tls) tls_port_ = pick_free_port();
      write_config(config_path, port);
      ::chmod(config_path.c_str(), 0600);
      // Its own process group: a Ctrl-C at the terminal goes to kvslo, which then
      // stops the server after the current batch, instead of killing it mid-batch.
      server_ = std::make_unique<ChildProcess>(ChildOptions{{server, config_path}, {}, {}, {}, SIGKILL});
    }
  } catch (const ChildError& e) {
    failure = e.what();
    return false;
  }
  port_ = port;
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (server_->poll_exit()) {
      server_.reset();
      failure = program() + " exited during start-up; its log says:\n" + log_tail();
      return false;
    }
    if (const std::optional<bool> ours = answer_is_ours()) {
      if (*ours) return true;
      failure = "another server took port " + std::to_string(port) + " first";
      kill_now();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  failure = program() + " did not answer PING within " + std::to_string(options_.start_timeout.count()) +
            " ms; its log says:\n" + log_tail();
  kill_now();
  return false;
}

std::string EmbeddedRedis::log_tail() const {
  std::ifstream log(log_path());
  std::vector<std::string> lines;
  for (std::string line; std::getline(log, line);) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > 10 ? lines.size() - 10 : 0; i < lines.size(); ++i) out += lines[i] + "\n";
  return out.empty() ? "(empty log)" : out;
}

net::Endpoint EmbeddedRedis::endpoint() const {
  net::Endpoint e = net::Endpoint::tcp("127.0.0.1", port_);
  e.password = options_.requirepass;
  return e;
}

net::Endpoint EmbeddedRedis::tls_endpoint() const {
  if (!options_.tls) throw std::logic_error("tls_endpoint() of a server started without TLS");
  net::Endpoint e = net::Endpoint::tcp("127.0.0.1", tls_port_);
  e.password = options_.requirepass;
  e.tls.emplace();
  e.tls->ca_file = pki_.ca_cert;
  return e;
}

net::Endpoint EmbeddedRedis::unix_endpoint() const {
  net::Endpoint e;
  e.kind = net::Endpoint::Kind::kUnix;
  e.path = directory_ + "/redis.sock";
  e.password = options_.requirepass;
  return e;
}

pid_t EmbeddedRedis::pid() const { return running() ? server_->pid() : -1; }

bool EmbeddedRedis::running() const { return server_ && server_->running(); }

void EmbeddedRedis::stop() {
  if (!server_) return;
  server_->signal(SIGCONT);  // a paused server cannot handle SIGTERM
  server_->terminate(kStopGrace);
  server_.reset();
}

void EmbeddedRedis::kill_now() {
  if (!server_) return;
  server_->kill();
  server_.reset();
}

void EmbeddedRedis::pause() {
  if (running()) server_->signal(SIGSTOP);
}

void EmbeddedRedis::resume() {
  if (running()) server_->signal(SIGCONT);
}

}  // namespace kvslo

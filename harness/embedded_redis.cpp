#include "embedded_redis.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "command_channel.hpp"

namespace kvslo {
namespace {

namespace fs = std::filesystem;

// Asks the kernel for a free loopback port. Another process could take it
// before redis binds it; the caller retries with a new port if so.
std::uint16_t pick_free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket(): ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    int error = errno;
    ::close(fd);
    throw std::runtime_error(std::string("picking a free port: ") + std::strerror(error));
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string quote(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

std::string find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  // Debian installs redis-server in /usr/bin, but root's PATH may be trimmed.
  for (const char* dir2 : {"/usr/bin", "/usr/sbin", "/usr/local/bin"}) {
    fs::path candidate = fs::path(dir2) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

EmbeddedRedis::EmbeddedRedis(EmbeddedRedisOptions options) : options_(std::move(options)) {
  const std::string server = find_on_path("redis-server");
  if (server.empty()) {
    throw std::runtime_error(
        "redis-server not found on PATH: install it with 'apt-get install redis-server' (or run "
        "scripts/install-deps.sh), or point kvslo at a running server with --redis redis://host:port");
  }
  std::string templ = (fs::temp_directory_path() / "kvslo-redis-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error("creating a temp dir for redis-server: " + std::string(std::strerror(errno)));
  }
  directory_ = templ;
  std::string failure;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (try_start(server, pick_free_port(), failure)) return;
  }
  std::error_code ignored;
  fs::remove_all(directory_, ignored);
  throw std::runtime_error("redis-server did not start: " + failure);
}

EmbeddedRedis::~EmbeddedRedis() {
  stop();
  std::error_code ignored;
  fs::remove_all(directory_, ignored);
}

bool EmbeddedRedis::try_start(const std::string& server, std::uint16_t port, std::string& failure) {
  const std::string config_path = directory_ + "/redis.conf";
  {
    // A config file (mode 0600) rather than arguments keeps a password out of `ps`.
    std::ofstream config(config_path);
    config << "port " << port << "\nbind 127.0.0.1\nprotected-mode no\ndaemonize no\n"
           << "dir " << quote(directory_) << "\nlogfile " << quote(directory_ + "/redis.log") << "\n"
           << "save \"\"\nappendonly no\nmaxmemory-policy noeviction\n";
    if (options_.maxmemory_bytes > 0) config << "maxmemory " << options_.maxmemory_bytes << "\n";
    if (!options_.requirepass.empty()) config << "requirepass " << quote(options_.requirepass) << "\n";
    if (options_.unix_socket) config << "unixsocket " << quote(directory_ + "/redis.sock") << "\nunixsocketperm 700\n";
    for (const auto& [key, value] : options_.config) config << key << " " << quote(value) << "\n";
  }
  ::chmod(config_path.c_str(), 0600);
  const pid_t parent = ::getpid();
  pid_t child = ::fork();
  if (child < 0) {
    failure = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (child == 0) {
    // Own process group: a Ctrl-C at the terminal goes to kvslo, which then
    // stops the server after the current batch, instead of killing it mid-batch.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::execl(server.c_str(), server.c_str(), config_path.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  pid_ = child;
  port_ = port;
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      failure = "redis-server exited during start-up; its log says:\n" + log_tail();
      return false;
    }
    try {
      CommandChannel channel(endpoint(), std::chrono::milliseconds(500));
      resp::Reply pong = channel.call({"PING"});
      if (pong.type == resp::Reply::Type::kSimpleString) {
        resp::Reply info = channel.call_ok({"INFO", "server"});
        auto at = info.text.find("redis_version:");
        if (at != std::string::npos) {
          version_ = info.text.substr(at + 14, info.text.find('\r', at) - at - 14);
        }
        return true;
      }
    } catch (const std::exception&) {
      // not listening yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  failure = "redis-server did not answer PING within " + std::to_string(options_.start_timeout.count()) +
            " ms; its log says:\n" + log_tail();
  kill_now();
  return false;
}

std::string EmbeddedRedis::log_tail() const {
  std::ifstream log(directory_ + "/redis.log");
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

net::Endpoint EmbeddedRedis::unix_endpoint() const {
  net::Endpoint e;
  e.kind = net::Endpoint::Kind::kUnix;
  e.path = directory_ + "/redis.sock";
  e.password = options_.requirepass;
  return e;
}

void EmbeddedRedis::reap(std::chrono::milliseconds grace) {
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (pid_ > 0) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
      pid_ = -1;
      return;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void EmbeddedRedis::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGCONT);  // a paused server cannot handle SIGTERM
  ::kill(pid_, SIGTERM);
  reap(std::chrono::milliseconds(5000));
}

void EmbeddedRedis::kill_now() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  reap(std::chrono::milliseconds(5000));
}

void EmbeddedRedis::pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void EmbeddedRedis::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

}  // namespace kvslo

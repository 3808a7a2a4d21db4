#include "system/loopback_port.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

namespace kvslo {
namespace {

// Inodes of the sockets listening on `port` (nullopt when neither table can
// be read). In /proc/net/tcp a line is "sl local_address rem_address st ...
// inode"; the port is the hex after the colon, state 0A is LISTEN.
std::optional<std::set<std::string>> listening_inodes(std::uint16_t port) {
  std::set<std::string> inodes;
  bool read_any = false;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    read_any = read_any || in.is_open();
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
      const auto colon = local.rfind(':');
      if (colon == std::string::npos || state != "0A") continue;
      if (std::stoul(local.substr(colon + 1), nullptr, 16) == port) inodes.insert(inode);
    }
  }
  if (!read_any) return std::nullopt;
  return inodes;
}

}  // namespace

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

std::optional<bool> listens_on(pid_t pid, std::uint16_t port) {
  const auto inodes = listening_inodes(port);
  if (!inodes) return std::nullopt;
  if (inodes->empty()) return false;
  std::error_code error;
  std::filesystem::directory_iterator descriptors("/proc/" + std::to_string(pid) + "/fd", error);
  if (error) return std::nullopt;
  for (const auto& entry : descriptors) {
    const std::string target = std::filesystem::read_symlink(entry.path(), error).string();  // "socket:[inode]"
    if (target.rfind("socket:[", 0) == 0 && inodes->count(target.substr(8, target.size() - 9)) > 0) return true;
  }
  return false;
}

}  // namespace kvslo

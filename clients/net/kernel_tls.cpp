#include "net/kernel_tls.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "net/loopback_pair.hpp"

namespace kvslo::net {

std::optional<std::string> kernel_tls_unavailable() {
  // Asked of a real connection, as OpenSSL will ask it: a kernel that has the
  // module loads it here on demand.
  const auto [server, client] = tcp_loopback_pair();
  if (client < 0) return "could not make a loopback TCP connection to ask the kernel";
  const int rc = ::setsockopt(client, SOL_TCP, TCP_ULP, "tls", 3);
  const int error = errno;
  ::close(server);
  ::close(client);
  if (rc == 0) return std::nullopt;
  if (error == ENOENT) return "this kernel has no TLS record layer (CONFIG_TLS is not set, or the tls module is missing)";
  return std::string("the kernel refused TLS on a TCP socket: ") + std::strerror(error);
}

}  // namespace kvslo::net

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
  // Linux loads the module on demand only for a caller with CAP_NET_ADMIN.
  if (error == ENOENT) {
    return "the kernel offers no TLS record layer here (its tls module is not loaded: as root 'modprobe tls'; or the "
           "kernel is built without CONFIG_TLS)";
  }
  return std::string("the kernel refused TLS on a TCP socket: ") + std::strerror(error);
}

}  // namespace kvslo::net

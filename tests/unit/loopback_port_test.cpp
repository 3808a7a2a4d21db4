// Ports for the servers kvslo starts: free when picked, and whose listener
// holds them.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "system/loopback_port.hpp"

namespace kvslo {
namespace {

// A listening loopback socket of this process on `port`; -1 if it cannot bind.
int listen_on(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 1) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(LoopbackPort, APickedPortCanBeBoundAndItsListenerIsKnown) {
  const std::uint16_t port = pick_free_port();
  EXPECT_NE(port, 0);
  EXPECT_EQ(listens_on(::getpid(), port).value_or(false), false);  // nobody yet
  const int fd = listen_on(port);
  ASSERT_GE(fd, 0);
  const auto ours = listens_on(::getpid(), port);
  if (!ours) GTEST_SKIP() << "/proc cannot tell who listens here";
  EXPECT_TRUE(*ours);
  EXPECT_FALSE(listens_on(::getppid(), port).value_or(false));  // another process does not hold it
  ::close(fd);
}

}  // namespace
}  // namespace kvslo

// Endpoints, the iovec cursor and the socket, against real loopback sockets.
#include <gtest/gtest.h>
#include <limits.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <thread>
#include <vector>

#include "net/endpoint.hpp"
#include "net/iov_cursor.hpp"
#include "net/socket.hpp"

namespace kvslo::net {
namespace {

TEST(Endpoint, ParsesTcpAndUnix) {
  auto e = Endpoint::parse("redis://10.1.2.3:6380");
  EXPECT_EQ(e.kind, Endpoint::Kind::kTcp);
  EXPECT_EQ(e.host, "10.1.2.3");
  EXPECT_EQ(e.port, 6380);
  EXPECT_FALSE(e.has_password());
  auto u = Endpoint::parse("unix:///run/redis.sock");
  EXPECT_EQ(u.kind, Endpoint::Kind::kUnix);
  EXPECT_EQ(u.path, "/run/redis.sock");
  auto v6 = Endpoint::parse("redis://[::1]:7000");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.display(), "redis://[::1]:7000");
}

TEST(Endpoint, AClusterIsNamedWithItsOwnScheme) {
  const auto e = Endpoint::parse("redis-cluster://:s3cret@10.0.0.7:7000");
  EXPECT_TRUE(e.cluster);
  EXPECT_EQ(e.host, "10.0.0.7");
  EXPECT_EQ(e.port, 7000);
  EXPECT_EQ(e.password, "s3cret");
  EXPECT_EQ(e.display(), "redis-cluster://:***@10.0.0.7:7000");
  EXPECT_FALSE(Endpoint::parse("redis://10.0.0.7:7000").cluster);
  EXPECT_THROW(Endpoint::parse("redis-cluster://10.0.0.7"), std::invalid_argument);
}

TEST(Endpoint, TlsIsNamedWithRediss) {
  const auto e = Endpoint::parse("rediss://app:s3cret@cache.example.com:6380");
  ASSERT_TRUE(e.tls.has_value());
  EXPECT_TRUE(e.tls->verify) << "verification is on unless the user turns it off";
  EXPECT_TRUE(e.tls->ca_file.empty());
  EXPECT_EQ(e.host, "cache.example.com");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.display(), "rediss://app:***@cache.example.com:6380");
  EXPECT_FALSE(Endpoint::parse("redis://h:1").tls.has_value());
  EXPECT_THROW(Endpoint::parse("rediss://h"), std::invalid_argument);
}

TEST(Endpoint, UserAndPasswordNeverDisplayed) {
  auto e = Endpoint::parse("redis://alice:s3cr%40t@host:1/0");
  EXPECT_EQ(e.user, "alice");
  EXPECT_EQ(e.password, "s3cr@t");
  EXPECT_EQ(e.display(), "redis://alice:***@host:1");
  auto p = Endpoint::parse("redis://:only@host:2");
  EXPECT_EQ(p.user, "");
  EXPECT_EQ(p.password, "only");
  EXPECT_EQ(p.display().find("only"), std::string::npos);
}

TEST(Endpoint, PasswordFromEnvironment) {
  ::setenv("KVSLO_REDIS_PASSWORD", "fromenv", 1);
  EXPECT_EQ(Endpoint::parse_with_environment("redis://h:1").password, "fromenv");
  EXPECT_EQ(Endpoint::parse_with_environment("redis://:url@h:1").password, "url");
  ::unsetenv("KVSLO_REDIS_PASSWORD");
  EXPECT_EQ(Endpoint::parse_with_environment("redis://h:1").password, "");
}

TEST(Endpoint, RejectsBadUrlsWithoutLeakingThePassword) {
  for (const char* bad : {"http://h:1", "redis://h", "redis://h:0", "redis://h:70000", "redis://h:12a",
                          "redis://:1", "unix://relative", "redis://[::1", "redis://h:1/3", "redis://u:p%zz@h:1"}) {
    try {
      Endpoint::parse(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("invalid Redis endpoint"), std::string::npos);
    }
  }
  try {
    Endpoint::parse("redis://u:topsecret@h:99999");
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("topsecret"), std::string::npos) << e.what();
  }
}

TEST(IovCursor, AdvancesAcrossPiecesAndPartialWrites) {
  char a[3], b[5], c[2];
  iovec pieces[] = {{a, 3}, {nullptr, 0}, {b, 5}, {c, 2}};
  IovCursor cursor(pieces);
  EXPECT_EQ(cursor.remaining_bytes(), 10u);
  cursor.advance(4);
  auto p = cursor.pending(8);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].iov_base, b + 1);
  EXPECT_EQ(p[0].iov_len, 4u);
  EXPECT_EQ(cursor.pending(1).size(), 1u);
  cursor.advance(6);
  EXPECT_TRUE(cursor.done());
  EXPECT_EQ(cursor.remaining_bytes(), 0u);
}

// A loopback listener the test accepts on.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Listener() { ::close(fd_); }
  int accept() { return ::accept(fd_, nullptr, nullptr); }
  Endpoint endpoint() const { return Endpoint::tcp("127.0.0.1", port_); }

 private:
  int fd_;
  std::uint16_t port_;
};

TEST(Socket, SendAllHandlesPartialWritesAndMoreThanIovMaxPieces) {
  Listener listener;
  // A small send buffer forces partial writes; 3 * IOV_MAX pieces force several sendmsg calls.
  Socket s = Socket::connect(listener.endpoint(), {4096, std::nullopt, true}, Clock::now() + std::chrono::seconds(2));
  int peer = listener.accept();
  ASSERT_GE(peer, 0);
  const std::size_t pieces = 3 * IOV_MAX + 7;
  std::vector<std::string> data(pieces);
  std::vector<iovec> iov;
  std::string expected;
  for (std::size_t i = 0; i < pieces; ++i) {
    data[i] = std::string(1 + i % 700, static_cast<char>('a' + i % 26));
    expected += data[i];
  }
  for (auto& d : data) iov.push_back({d.data(), d.size()});
  std::string received(expected.size(), '\0');
  std::thread reader([&] {
    std::size_t got = 0;
    while (got < received.size()) {
      ssize_t n = ::read(peer, received.data() + got, received.size() - got);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
  });
  s.send_all(iov, Clock::now() + std::chrono::seconds(10));
  reader.join();
  EXPECT_EQ(received, expected);
  EXPECT_GT(s.buffers().sndbuf, 0);
  ::close(peer);
}

TEST(Socket, RecvExactFillsTheBufferAndTimesOut) {
  Listener listener;
  Socket s = Socket::connect(listener.endpoint(), {}, Clock::now() + std::chrono::seconds(2));
  int peer = listener.accept();
  ASSERT_EQ(::write(peer, "hello", 5), 5);
  std::string buffer(5, '\0');
  s.recv_exact(std::as_writable_bytes(std::span(buffer.data(), 5)), Clock::now() + std::chrono::seconds(2));
  EXPECT_EQ(buffer, "hello");
  auto start = Clock::now();
  try {
    s.recv_exact(std::as_writable_bytes(std::span(buffer.data(), 5)), Clock::now() + std::chrono::milliseconds(100));
    ADD_FAILURE() << "no timeout";
  } catch (const NetError& e) {
    EXPECT_TRUE(e.is_timeout());
  }
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  ::close(peer);
  try {
    s.recv_exact(std::as_writable_bytes(std::span(buffer.data(), 5)), Clock::now() + std::chrono::seconds(2));
    ADD_FAILURE() << "closed connection not reported";
  } catch (const NetError& e) {
    EXPECT_FALSE(e.is_timeout());
    EXPECT_NE(std::string(e.what()).find("closed"), std::string::npos);
  }
}

TEST(Socket, RequestedBuffersAreReadBack) {
  Listener listener;
  Socket s = Socket::connect(listener.endpoint(), {65536, 131072, true}, Clock::now() + std::chrono::seconds(2));
  // Linux doubles the request (bookkeeping) unless capped by wmem_max/rmem_max.
  EXPECT_GE(s.buffers().sndbuf, 65536);
  EXPECT_GT(s.buffers().rcvbuf, 0);
}

// Bytes queued on `fd` for reading, once they reach `bytes` (or what was there at the deadline).
int queued_once(int fd, int bytes) {
  int queued = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (Clock::now() < deadline) {
    ::ioctl(fd, SIOCINQ, &queued);
    if (queued >= bytes) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return queued;
}

bool readable_within(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) == 1;
}

// Writes `bytes`, giving up after 3 s without progress (a mark that cannot be
// reached would otherwise hang the test instead of failing it).
void write_all(int fd, std::size_t bytes) {
  const timeval limit{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  const std::string data(bytes, 'x');
  std::size_t done = 0;
  while (done < bytes) {
    const ssize_t n = ::write(fd, data.data() + done, bytes - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

int low_water_of(const Socket& s) {
  int mark = 0;
  socklen_t length = sizeof mark;
  ::getsockopt(s.fd(), SOL_SOCKET, SO_RCVLOWAT, &mark, &length);
  return mark;
}

TEST(Socket, ReceiveLowWaterFollowsTheReceiveBufferAsAutotuningGrowsIt) {
  Listener listener;
  Socket s;
  s = Socket::connect(listener.endpoint(), {}, Clock::now() + std::chrono::seconds(2));  // as the clients do
  const int peer = listener.accept();
  ASSERT_GE(peer, 0);
  constexpr int kMark = 128 * 1024;
  s.set_receive_low_water(kMark);
  EXPECT_EQ(low_water_of(s), std::min(kMark, s.buffers().rcvbuf / 4)) << "at most a quarter of the buffer at connect";
  s.set_receive_low_water(1);
  // 64 MiB through the connection: autotuning grows the buffer, and the mark may follow.
  constexpr std::size_t kStreamed = 64u << 20;
  std::thread writer([&] { write_all(peer, kStreamed); });
  std::vector<std::byte> sink(1 << 20);
  for (std::size_t got = 0; got < kStreamed; got += sink.size()) s.recv_exact(sink, Clock::now() + std::chrono::seconds(10));
  writer.join();
  s.set_receive_low_water(kMark);
  EXPECT_EQ(low_water_of(s), std::min(kMark, s.buffers().rcvbuf / 4)) << "the mark did not follow the grown buffer";
  ::close(peer);
}

TEST(Socket, ReceiveLowWaterHoldsTheWakeUpUntilTheMarkAndTheMarkIsReached) {
  Listener listener;
  // A fixed buffer (as large as net.core.rmem_max allows) so the mark does not depend on autotuning.
  Socket s = Socket::connect(listener.endpoint(), {std::nullopt, 1 << 20, true}, Clock::now() + std::chrono::seconds(2));
  const int peer = listener.accept();
  ASSERT_GE(peer, 0);
  s.set_receive_low_water(1 << 30);
  const int mark = low_water_of(s);
  ASSERT_EQ(mark, s.buffers().rcvbuf / 4) << "a mark beyond a quarter of the buffer could never be reached";
  // Half the mark leaves far more than a segment of window open: no wake-up.
  std::thread first([&] { write_all(peer, static_cast<std::size_t>(mark / 2)); });
  const int queued = queued_once(s.fd(), mark / 2);
  first.join();
  ASSERT_EQ(queued, mark / 2);
  EXPECT_FALSE(readable_within(s.fd(), 0)) << "woken below the mark";
  std::thread rest([&] { write_all(peer, static_cast<std::size_t>(mark - mark / 2)); });
  EXPECT_TRUE(readable_within(s.fd(), 2000)) << "the mark was never reached";
  rest.join();
  ::close(peer);
}

TEST(Socket, ConnectionRefusedIsAClearError) {
  std::uint16_t port;
  {
    Listener l;  // take a port, then free it: nothing listens there now
    port = l.endpoint().port;
  }
  try {
    Socket::connect(Endpoint::tcp("127.0.0.1", port), {}, Clock::now() + std::chrono::seconds(2));
    ADD_FAILURE();
  } catch (const NetError& e) {
    EXPECT_NE(std::string(e.what()).find("Connection refused"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(port)), std::string::npos);
  }
}

}  // namespace
}  // namespace kvslo::net

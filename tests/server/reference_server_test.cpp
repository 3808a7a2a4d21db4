// The reference server itself, run in this process (two event loops on two
// threads, so ASan and TSan see it): the protocol kvslo speaks, pipelining,
// requests and replies split anywhere, clients that leave mid-request or
// mid-reply, bad input, and a thousand connections at once.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "command_channel.hpp"
#include "event_loop.hpp"
#include "resp/reply.hpp"
#include "server_state.hpp"

namespace kvslo::reference {
namespace {

using namespace std::chrono_literals;

std::string request(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

// A plain blocking socket to the server, for what CommandChannel will not do
// (send half a request, read a reply in dribs, leave early).
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect");
    timeval t{10, 0};  // no test waits for ever
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &t, sizeof t);
  }
  // Ends the connection both ways, waking a send blocked on it in another thread.
  void shut() { ::shutdown(fd_, SHUT_RDWR); }
  ~RawClient() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // Exactly `n` bytes, read at most `piece` at a time ("" if the server closed first).
  std::string read(std::size_t n, std::size_t piece = 1 << 20) {
    std::string out;
    std::vector<char> buffer(piece);
    while (out.size() < n) {
      const ssize_t got = ::recv(fd_, buffer.data(), std::min(piece, n - out.size()), 0);
      if (got <= 0) return out;
      out.append(buffer.data(), static_cast<std::size_t>(got));
    }
    return out;
  }
  // True once the server has closed the connection (reads to its end).
  bool closed_by_server() {
    char c[4096];
    for (;;) {
      const ssize_t got = ::recv(fd_, c, sizeof c, 0);
      if (got == 0) return true;
      if (got < 0) return false;
    }
  }

 private:
  int fd_;
};

class ReferenceServer : public ::testing::Test {
 protected:
  static constexpr const char* kPassword = "reference password";

  void SetUp() override {
    ServerSettings settings;
    settings.threads = 2;
    settings.password = kPassword;
    listener_ = listen_on("127.0.0.1", 0);
    settings.port = local_port(listener_);
    state_ = std::make_unique<ServerState>(settings);
    for (int t = 0; t < settings.threads; ++t) loops_.push_back(std::make_unique<EventLoop>(listener_, *state_));
    for (auto& loop : loops_) threads_.emplace_back([this, l = loop.get()] { l->run(stop_); });
  }
  void TearDown() override {
    stop_ = true;
    for (auto& t : threads_) t.join();
    loops_.clear();
    ::close(listener_);
  }
  std::uint16_t port() const { return state_->settings.port; }
  net::Endpoint endpoint() const {
    net::Endpoint e = net::Endpoint::tcp("127.0.0.1", port());
    e.password = kPassword;
    return e;
  }
  // A client that has sent AUTH (its +OK read).
  std::unique_ptr<RawClient> authenticated() {
    auto c = std::make_unique<RawClient>(port());
    c->send(request({"AUTH", kPassword}));
    EXPECT_EQ(c->read(5), "+OK\r\n");
    return c;
  }

  std::atomic<bool> stop_{false};
  int listener_ = -1;
  std::unique_ptr<ServerState> state_;
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::vector<std::thread> threads_;
};

TEST_F(ReferenceServer, AnswersWhatKvsloAsks) {
  CommandChannel c(endpoint(), 5000ms);
  EXPECT_EQ(c.call({"PING"}).text, "PONG");
  const std::string key("bin\0ary\r\nkey", 12), value("v\0\r\n$3\r\nx", 10);
  c.call_ok({"SET", key, value});
  EXPECT_EQ(c.call({"GET", key}).text, value);
  EXPECT_EQ(c.call({"GET", "missing"}).type, resp::Reply::Type::kNilBulk);
  c.call_ok({"SET", "empty", ""});
  EXPECT_EQ(c.call({"GET", "empty"}).text, "");
  EXPECT_EQ(c.call({"EXISTS", key, "missing", "empty"}).integer, 2);
  EXPECT_EQ(c.call({"DBSIZE"}).integer, 2);
  EXPECT_EQ(c.call({"DEL", "empty", "missing"}).integer, 1);
  const std::string info = c.call({"INFO", "cpu"}).text;
  EXPECT_NE(info.find("used_cpu_user:"), std::string::npos) << info;
  EXPECT_EQ(info.find("# Server"), std::string::npos) << "INFO cpu is the CPU section only";
  EXPECT_NE(c.call({"INFO"}).text.find("server_name:kvslo-reference"), std::string::npos) << "never claims to be Redis";
  const resp::Reply config = c.call({"CONFIG", "GET", "maxmemory"});
  ASSERT_EQ(config.elements.size(), 2u);
  EXPECT_EQ(config.elements[0].text, "maxmemory");
  c.call_ok({"FLUSHALL"});
  EXPECT_EQ(c.call({"EXISTS", key}).integer, 0);
  const resp::Reply unknown = c.call({"LPUSH", "l", "x"});
  EXPECT_EQ(unknown.type, resp::Reply::Type::kError);
  EXPECT_NE(unknown.text.find("unknown command 'LPUSH'"), std::string::npos) << unknown.text;
  EXPECT_EQ(c.call({"SET", "k", "v", "EX", "10"}).type, resp::Reply::Type::kError) << "no options it would ignore";
  EXPECT_EQ(c.call({"PING"}).text, "PONG") << "still in step after the errors";
}

TEST_F(ReferenceServer, NothingWithoutThePassword) {
  RawClient anonymous(port());
  anonymous.send(request({"GET", "k"}));
  EXPECT_EQ(anonymous.read(std::strlen("-NOAUTH Authentication required.\r\n")), "-NOAUTH Authentication required.\r\n");
  anonymous.send(request({"AUTH", "wrong"}));
  const std::string refused = anonymous.read(std::strlen("-WRONGPASS"));
  EXPECT_EQ(refused, "-WRONGPASS");
  CommandChannel admin(endpoint(), 5000ms);
  admin.call_ok({"ACL", "SETUSER", "bench", "reset", "on", ">its own", "~key:*", "+get"});
  RawClient user(port());
  user.send(request({"AUTH", "bench", "its own"}));
  EXPECT_EQ(user.read(5), "+OK\r\n");
  EXPECT_EQ(admin.call({"ACL", "DELUSER", "bench"}).integer, 1);
  RawClient again(port());
  again.send(request({"AUTH", "bench", "its own"}));
  EXPECT_EQ(again.read(std::strlen("-WRONGPASS")), "-WRONGPASS");
}

TEST_F(ReferenceServer, PipelinedRequestsAnswerInOrder) {
  auto c = authenticated();
  std::string requests, expected;
  for (int i = 0; i < 1000; ++i) {
    const std::string value = "value-" + std::to_string(i);
    requests += request({"SET", "k" + std::to_string(i), value}) + request({"GET", "k" + std::to_string(i)});
    expected += "+OK\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  }
  std::thread writer([&] { c->send(requests); });  // the replies are read while the requests go
  EXPECT_EQ(c->read(expected.size()), expected);
  writer.join();
}

TEST_F(ReferenceServer, RequestsAndRepliesSplitAnywhere) {
  auto c = authenticated();
  std::string value(3 << 20, '\0');
  std::mt19937_64 rng(11);
  for (auto& ch : value) ch = static_cast<char>(rng());
  const std::string set = request({"SET", "split", value});
  for (std::size_t pos = 0; pos < set.size();) {  // pieces of 1 byte to 256 KiB, with pauses between some
    const std::size_t n = std::min<std::size_t>(set.size() - pos, 1 + rng() % (256 << 10));
    c->send(std::string_view(set).substr(pos, n));
    pos += n;
    if (rng() % 4 == 0) std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(c->read(5), "+OK\r\n");
  c->send(request({"GET", "split"}));
  const std::string header = "$" + std::to_string(value.size()) + "\r\n";
  EXPECT_EQ(c->read(header.size(), 3), header) << "read three bytes at a time";
  EXPECT_TRUE(c->read(value.size(), 4096) == value) << "the value, read in 4 KiB pieces";
  EXPECT_EQ(c->read(2, 1), "\r\n");
}

TEST_F(ReferenceServer, ClientsThatLeaveMidwayHarmNoOne) {
  CommandChannel admin(endpoint(), 10000ms);
  const std::string value(40 << 20, 'z');
  admin.call_ok({"SET", "big", value});
  {
    auto reader = authenticated();  // asks for 160 MiB of replies, reads a little, and leaves
    reader->send(request({"GET", "big"}) + request({"GET", "big"}) + request({"GET", "big"}) + request({"GET", "big"}));
    EXPECT_EQ(reader->read(100).size(), 100u);
  }
  {
    auto writer = authenticated();  // half a value, then gone
    writer->send("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$1000000\r\n" + std::string(500000, 'h'));
  }
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(admin.call({"PING"}).text, "PONG");
  EXPECT_TRUE(admin.call({"GET", "big"}).text == value) << "the unfinished SET stored nothing";
  EXPECT_EQ(state_->connected.load(), 1u) << "the two that left are closed";
}

TEST_F(ReferenceServer, InputThatIsNotRespIsRefusedAndTheConnectionEnds) {
  RawClient inline_command(port());
  inline_command.send("PING\r\n");
  const std::string reply = inline_command.read(std::strlen("-ERR Protocol error"));
  EXPECT_EQ(reply, "-ERR Protocol error");
  EXPECT_TRUE(inline_command.closed_by_server());
  auto huge = authenticated();
  huge->send("*2\r\n$3\r\nGET\r\n$99999999999\r\n");
  EXPECT_EQ(huge->read(std::strlen("-ERR Protocol error")), "-ERR Protocol error");
  EXPECT_TRUE(huge->closed_by_server());
  auto nested = authenticated();  // a well-formed request of the wrong shape is refused, the connection kept
  nested->send("*1\r\n*1\r\n$4\r\nPING\r\n" + request({"PING"}));
  const std::string refused = nested->read(std::strlen("-ERR a request is an array of bulk strings, not of arrays\r\n"));
  EXPECT_EQ(refused, "-ERR a request is an array of bulk strings, not of arrays\r\n");
  EXPECT_EQ(nested->read(7), "+PONG\r\n");
}

// A client that sends and never reads: the server stops reading its
// requests once replies pile up (in pieces, or in bytes of text that small
// requests amplify, such as errors), instead of holding them without bound.
TEST_F(ReferenceServer, AClientThatNeverReadsIsPausedNotBuffered) {
  auto c = authenticated();
  const std::string unknown = request({"NOSUCHCOMMAND"});
  std::string burst;
  for (int i = 0; i < 20000; ++i) burst += unknown;  // 26 bytes each, ~170 bytes of error each
  std::atomic<bool> sent_all{false};
  std::thread writer([&] {
    try {
      for (int i = 0; i < 100; ++i) c->send(burst);  // 2,000,000 requests: ~340 MB of replies if all were answered
      sent_all = true;
    } catch (const std::exception&) {
    }
  });
  std::this_thread::sleep_for(1500ms);
  EXPECT_FALSE(sent_all) << "the server kept reading a client that reads nothing";
  CommandChannel other(endpoint(), 5000ms);
  EXPECT_EQ(other.call({"PING"}).text, "PONG") << "others are served meanwhile";
  c->shut();  // the blocked writer fails, and the server lets go of the client
  writer.join();
}

TEST_F(ReferenceServer, AThousandConnectionsAtOnce) {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < 2200 && limit.rlim_max >= 2200) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 4096);
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur < 2200) GTEST_SKIP() << "needs 2,200 descriptors (both ends in one process); the limit is " << limit.rlim_cur;
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 1000; ++i) clients.push_back(std::make_unique<RawClient>(port()));
  for (auto& c : clients) c->send(request({"AUTH", kPassword}) + request({"PING"}));
  for (auto& c : clients) ASSERT_EQ(c->read(12), "+OK\r\n+PONG\r\n");
  EXPECT_EQ(state_->connected.load(), 1000u);
}

}  // namespace
}  // namespace kvslo::reference

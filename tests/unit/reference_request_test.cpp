// The reference server's parts that do no I/O: requests out of any split of
// the byte stream, bad requests refused in step, and the reply queue's
// bookkeeping of partial writes.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "reply_queue.hpp"
#include "request_reader.hpp"

namespace kvslo::reference {
namespace {

std::span<const std::byte> bytes(std::string_view s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }

std::string request(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

struct Seen {
  std::vector<std::vector<std::string>> requests;
  std::vector<std::string> refused;
  std::string fatal;
};

// Feeds `stream` in pieces of the sizes `split` gives, filling direct
// windows from the stream as a socket read would.
Seen read_all(std::string_view stream, const std::function<std::size_t()>& split, bool trusted = true) {
  RequestReader reader;
  reader.set_trusted(trusted);
  Seen seen;
  std::size_t pos = 0;
  while (pos < stream.size() && seen.fatal.empty()) {
    const std::size_t n = std::min(split(), stream.size() - pos);
    if (auto window = reader.direct_window(); !window.empty()) {
      const std::size_t take = std::min(n, window.size());
      std::memcpy(window.data(), stream.data() + pos, take);
      reader.commit_direct(take);
      pos += take;
      continue;
    }
    auto input = bytes(stream.substr(pos, n));
    pos += n;
    while (!input.empty()) {
      const auto fed = reader.feed(input);
      input = input.subspan(fed.consumed);
      if (fed.event == RequestReader::Event::kRequest) {
        std::vector<std::string> args;
        for (const auto& a : reader.args()) args.emplace_back(a->text());
        seen.requests.push_back(args);
      } else if (fed.event == RequestReader::Event::kBadRequest) {
        seen.refused.push_back(reader.problem());
      } else if (fed.event == RequestReader::Event::kProtocolError) {
        seen.fatal = reader.problem();
        break;
      }
      if (auto window = reader.direct_window(); !window.empty() && input.empty()) break;
    }
  }
  return seen;
}

TEST(RequestReader, PipelinedRequestsInAnySplitComeOutWhole) {
  const std::string big(300000, 'v');
  std::string binary_key("k\0\r\n*$", 6);
  const std::string stream = request({"SET", binary_key, big}) + request({"GET", binary_key}) + request({"PING"}) +
                             request({"SET", "empty", ""}) + request({"EXISTS", "a", "b", "c"});
  std::mt19937 rng(7);
  for (auto split : std::vector<std::function<std::size_t()>>{
           [] { return std::size_t{1}; }, [] { return std::size_t{1} << 30; },
           [&] { return std::size_t{1} + rng() % 70000; }}) {
    const Seen seen = read_all(stream, split);
    EXPECT_TRUE(seen.fatal.empty()) << seen.fatal;
    EXPECT_TRUE(seen.refused.empty());
    ASSERT_EQ(seen.requests.size(), 5u);
    EXPECT_EQ(seen.requests[0], (std::vector<std::string>{"SET", binary_key, big}));
    EXPECT_EQ(seen.requests[1], (std::vector<std::string>{"GET", binary_key}));
    EXPECT_EQ(seen.requests[2], (std::vector<std::string>{"PING"}));
    EXPECT_EQ(seen.requests[3], (std::vector<std::string>{"SET", "empty", ""}));
    EXPECT_EQ(seen.requests[4].size(), 4u);
  }
}

TEST(RequestReader, ALargeArgumentIsReadStraightIntoItsBlob) {
  RequestReader reader;
  reader.set_trusted(true);
  const std::string head = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n";
  const auto fed = reader.feed(bytes(head));
  EXPECT_EQ(fed.consumed, head.size());
  EXPECT_EQ(fed.event, RequestReader::Event::kNeedMore);
  const auto window = reader.direct_window();
  ASSERT_EQ(window.size(), 100000u) << "the value's own storage, to read the socket into";
  std::memset(window.data(), 'x', window.size());
  reader.commit_direct(window.size());
  EXPECT_TRUE(reader.direct_window().empty());
  EXPECT_EQ(reader.feed(bytes("\r\n")).event, RequestReader::Event::kRequest);
  ASSERT_EQ(reader.args().size(), 3u);
  EXPECT_EQ(reader.args()[2]->text(), std::string(100000, 'x'));
  EXPECT_EQ(reader.args()[2]->data(), window.data()) << "the argument is the very bytes the socket wrote";
}

TEST(RequestReader, BadRequestsAreRefusedAndTheStreamStaysInStep) {
  const std::string stream = "*2\r\n$3\r\nGET\r\n*1\r\n$1\r\nx\r\n" +  // nested array
                             std::string("$5\r\nhello\r\n") +          // a bare bulk string
                             ":12\r\n" + "*0\r\n" + "*1\r\n$-1\r\n" + request({"PING"});
  const Seen seen = read_all(stream, [] { return std::size_t{3}; });
  EXPECT_TRUE(seen.fatal.empty()) << seen.fatal;
  ASSERT_EQ(seen.refused.size(), 4u) << "an empty array is ignored, as Redis ignores it";
  EXPECT_NE(seen.refused[0].find("not of arrays"), std::string::npos) << seen.refused[0];
  EXPECT_NE(seen.refused[1].find("array of bulk strings"), std::string::npos) << seen.refused[1];
  EXPECT_NE(seen.refused[3].find("null bulk"), std::string::npos) << seen.refused[3];
  ASSERT_EQ(seen.requests.size(), 1u) << "the PING after them is read as it was sent";
  EXPECT_EQ(seen.requests[0], (std::vector<std::string>{"PING"}));
}

TEST(RequestReader, WhatCannotBeSkippedEndsTheConnection) {
  for (const std::string stream : {"PING\r\n", "*1\r\n$99999999999\r\n", "*1\r\n$-7\r\n", "*x\r\n"}) {
    const Seen seen = read_all(stream, [] { return std::size_t{1} << 20; });
    EXPECT_FALSE(seen.fatal.empty()) << "accepted: " << stream;
  }
  const Seen huge = read_all("*1\r\n$99999999999\r\n", [] { return std::size_t{1} << 20; });
  EXPECT_NE(huge.fatal.find("invalid bulk length 99999999999"), std::string::npos) << huge.fatal;
}

// Before AUTH a client gets Redis's limits: it cannot make the server
// allocate more than a few small arguments without the password.
TEST(RequestReader, BeforeAuthOnlySmallRequestsAreRead) {
  const Seen auth = read_all(request({"AUTH", "user", std::string(1000, 'p')}), [] { return std::size_t{64}; }, false);
  EXPECT_EQ(auth.requests.size(), 1u) << auth.fatal;
  const Seen big = read_all("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n", [] { return std::size_t{1} << 20; }, false);
  EXPECT_NE(big.fatal.find("before AUTH"), std::string::npos) << big.fatal;
  const Seen many = read_all("*100000\r\n$0\r\n\r\n$0\r\n\r\n",
                             [] { return std::size_t{1} << 20; }, false);
  EXPECT_NE(many.fatal.find("100000 arguments"), std::string::npos) << many.fatal;
  const Seen trusted = read_all("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n" + std::string(100000, 'v') + "\r\n",
                                [] { return std::size_t{1} << 20; });
  EXPECT_EQ(trusted.requests.size(), 1u) << "after AUTH the same request is read: " << trusted.fatal;
}

TEST(ReplyQueue, PartialWritesResumeWhereTheyStopped) {
  auto value = std::make_shared<Blob>(10);
  std::memcpy(value->writable().data(), "0123456789", 10);
  ReplyQueue q;
  q.simple("OK");
  q.bulk(BlobPtr(value));
  q.integer(3);
  q.nil();
  auto collect = [&] {
    iovec iov[8];
    std::string out;
    const std::size_t n = q.gather(iov, 8);
    for (std::size_t i = 0; i < n; ++i) out.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
    return out;
  };
  const std::string all = "+OK\r\n$10\r\n0123456789\r\n:3\r\n$-1\r\n";
  EXPECT_EQ(collect(), all);
  std::string sent;
  for (std::size_t step : {3, 6, 4, 1, 100}) {
    const std::string rest = collect();
    const std::size_t n = std::min(step, rest.size());
    sent += rest.substr(0, n);
    q.sent(n);
  }
  EXPECT_EQ(sent, all);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.text_bytes(), 0u) << "the text it counts is gone once sent";
  iovec one;
  q.bulk(BlobPtr(value));
  EXPECT_EQ(q.gather(&one, 1), 1u) << "at most as many pieces as asked for";
}

TEST(ReplyQueue, ErrorsCannotBreakTheProtocol) {
  ReplyQueue q;
  q.error("ERR bad\r\n+OK");
  iovec iov[2];
  ASSERT_EQ(q.gather(iov, 2), 1u);
  EXPECT_EQ(std::string(static_cast<const char*>(iov[0].iov_base), iov[0].iov_len), "-ERR bad  +OK\r\n");
}

}  // namespace
}  // namespace kvslo::reference

#include <gtest/gtest.h>

#include <string>

#include "resp/request_writer.hpp"

namespace kvslo::resp {
namespace {

TEST(RequestWriter, EncodesEveryCommand) {
  RequestWriter w;
  w.get("k");
  w.exists("k");
  w.del("k");
  w.ping();
  w.auth("pw");
  w.auth("user", "pw");
  w.info("server");
  w.config_get("maxmemory");
  w.config_set("io-threads", "2");
  EXPECT_EQ(w.command_count(), 9u);
  EXPECT_EQ(w.to_string(),
            "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
            "*2\r\n$6\r\nEXISTS\r\n$1\r\nk\r\n"
            "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n"
            "*1\r\n$4\r\nPING\r\n"
            "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n"
            "*3\r\n$4\r\nAUTH\r\n$4\r\nuser\r\n$2\r\npw\r\n"
            "*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"
            "*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$9\r\nmaxmemory\r\n"
            "*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$10\r\nio-threads\r\n$1\r\n2\r\n");
  EXPECT_EQ(w.total_bytes(), w.to_string().size());
}

TEST(RequestWriter, SetReferencesTheValueWithoutCopying) {
  std::string value(1 << 20, 'v');
  RequestWriter w;
  w.set("key", std::as_bytes(std::span(value.data(), value.size())));
  auto iov = w.iovecs();
  ASSERT_EQ(iov.size(), 3u);  // header+key, value, CRLF
  EXPECT_EQ(iov[1].iov_base, value.data());
  EXPECT_EQ(iov[1].iov_len, value.size());
  EXPECT_EQ(std::string(static_cast<char*>(iov[0].iov_base), iov[0].iov_len),
            "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$1048576\r\n");
}

TEST(RequestWriter, PipelinedGetsAreOneIovec) {
  RequestWriter w;
  for (int i = 0; i < 1000; ++i) w.get("key:" + std::to_string(i));
  EXPECT_EQ(w.iovecs().size(), 1u);
  EXPECT_EQ(w.command_count(), 1000u);
}

TEST(RequestWriter, BinaryKeysAndEmptyValues) {
  std::string key("a\0b\r\n", 5);
  RequestWriter w;
  w.set(key, {});
  EXPECT_EQ(w.to_string(), std::string("*3\r\n$3\r\nSET\r\n$5\r\na\0b\r\n\r\n$0\r\n\r\n", 30));
}

TEST(RequestWriter, ClearStartsOver) {
  RequestWriter w;
  w.ping();
  w.clear();
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(w.iovecs().size(), 0u);
}

}  // namespace
}  // namespace kvslo::resp

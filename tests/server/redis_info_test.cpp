// The INFO and CONFIG GET reply parser, on text as Redis sends it.
#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>

#include "command_channel.hpp"
#include "system/embedded_redis.hpp"
#include "system/environment.hpp"
#include "system/redis_info.hpp"

namespace kvslo {
namespace {

constexpr const char* kInfo =
    "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\nos:Linux 6.1.0 x86_64\r\nprocess_id:4242\r\n\r\n"
    "# CPU\r\nused_cpu_sys:1.250000\r\nused_cpu_user:0.500000\r\n\r\n"
    "# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\n";

TEST(RedisInfo, SectionsAreLowerCasedHeadersAndHoldTheirKeys) {
  const InfoFields info = parse_info(kInfo);
  ASSERT_EQ(info.sections.size(), 3u);
  EXPECT_EQ(info.sections.at("server").at("redis_version"), "7.0.15");
  EXPECT_EQ(info.sections.at("cpu").at("used_cpu_sys"), "1.250000");
  EXPECT_EQ(info.sections.at("keyspace").at("db0"), "keys=3,expires=0,avg_ttl=0");  // split at the first colon only
}

TEST(RedisInfo, ValuesKeepTheirSpacesButNotTheCarriageReturn) {
  const InfoFields info = parse_info(kInfo);
  EXPECT_EQ(info.find("os"), "Linux 6.1.0 x86_64");
  EXPECT_EQ(info.find("redis_mode"), "standalone");
}

TEST(RedisInfo, FindLooksInEverySectionAndSaysWhenAKeyIsAbsent) {
  const InfoFields info = parse_info(kInfo);
  EXPECT_EQ(info.find("process_id"), "4242");
  EXPECT_EQ(info.find("used_cpu_user"), "0.500000");
  EXPECT_FALSE(info.find("keyspace_misses").has_value());
  EXPECT_THROW(info.at("keyspace_misses"), std::runtime_error);
}

TEST(RedisInfo, NumbersAreCheckedWhole) {
  const InfoFields info = parse_info("used_cpu_sys:1.25\nmode:fast\nempty:\n");
  EXPECT_DOUBLE_EQ(info.number("used_cpu_sys"), 1.25);  // bare LF and no header: the "" section
  EXPECT_THROW(info.number("mode"), std::runtime_error);
  EXPECT_THROW(info.number("empty"), std::runtime_error);
  EXPECT_EQ(info.at("empty"), "");
}

TEST(RedisInfo, LinesThatAreNotFieldsAreSkipped) {
  const InfoFields info = parse_info("\r\n#Stats\r\nno colon here\r\n:no key\r\nkeyspace_misses:7\r\n");
  ASSERT_EQ(info.sections.size(), 1u);
  EXPECT_EQ(info.sections.at("stats").size(), 1u);
  EXPECT_EQ(info.at("keyspace_misses"), "7");
  EXPECT_TRUE(parse_info("").sections.empty());
}

TEST(RedisInfo, ReadsAndConfiguresARealServer) {
  EmbeddedRedisOptions options;
  options.maxmemory_bytes = 64ull << 20;
  EmbeddedRedis server(options);
  CommandChannel channel(server.endpoint(), std::chrono::milliseconds(3000));
  const InfoFields info = read_info(channel, "server");
  EXPECT_EQ(info.at("redis_version"), server.version());
  EXPECT_EQ(info.at("process_id"), std::to_string(server.pid()));
  const nlohmann::json config = config_get(channel, {"maxmemory", "no-such-setting"});
  EXPECT_EQ(config, (nlohmann::json{{"maxmemory", std::to_string(64ull << 20)}}));
  EXPECT_EQ(read_redis_config(server.endpoint(), {"maxmemory-policy"}), (nlohmann::json{{"maxmemory-policy", "noeviction"}}));
}

// Valkey 8 as the embedded server (installed by scripts/install-deps.sh, as
// redis-server is: a missing valkey-server fails here, naming the install).
// Its own version is valkey_version; INFO's redis_version is the Redis it is
// compatible with, and both are recorded.
TEST(RedisInfo, AnEmbeddedValkeySaysItsOwnVersionAndTakesIoThreads) {
  EmbeddedRedisOptions options;
  options.kind = ServerKind::kValkey;
  options.maxmemory_bytes = 64ull << 20;
  options.requirepass = "valkey-test-secret";
  options.config = {{"io-threads", "2"}};
  EmbeddedRedis server(options);
  CommandChannel channel(server.endpoint(), std::chrono::milliseconds(3000));
  const InfoFields info = read_info(channel, "server");
  EXPECT_EQ(info.at("server_name"), "valkey");
  EXPECT_EQ(info.at("valkey_version"), server.version());
  EXPECT_EQ(server.version().rfind("8.", 0), 0u) << server.version();
  EXPECT_EQ(info.at("redis_version"), server.redis_version());
  EXPECT_NE(server.version(), server.redis_version());
  EXPECT_EQ(info.at("process_id"), std::to_string(server.pid()));
  EXPECT_EQ(read_redis_config(server.endpoint(), {"io-threads"}), (nlohmann::json{{"io-threads", "2"}}));
  EXPECT_TRUE(std::filesystem::exists(server.directory() + "/valkey.log"));
  const nlohmann::json described = describe_redis(server.endpoint(), true);
  EXPECT_EQ(described.at("valkey_version"), server.version());
  EXPECT_EQ(described.at("redis_version"), server.redis_version());
  EXPECT_EQ(server_name(described), "Valkey " + server.version());
  EXPECT_EQ(described.dump().find("valkey-test-secret"), std::string::npos);
  EXPECT_EQ(embedded_server_program(ServerKind::kValkey), "valkey-server");
}

TEST(RedisInfo, AnUnreachableServerIsAnErrorField) {
  net::Endpoint nowhere = net::Endpoint::tcp("127.0.0.1", 1);
  const nlohmann::json config = read_redis_config(nowhere, {"io-threads"});
  ASSERT_TRUE(config.contains("error"));
  EXPECT_EQ(config.size(), 1u);
}

}  // namespace
}  // namespace kvslo

// The wait for a quiet server after a load, against a real redis-server.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>

#include "command_channel.hpp"
#include "measure/server_quiet.hpp"
#include "system/embedded_redis.hpp"

namespace kvslo {
namespace {

using std::chrono::milliseconds;

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

TEST(ServerQuiet, PendingWorkIsWhatInfoSaysRuns) {
  const InfoFields idle = parse_info(
      "# Persistence\r\nloading:0\r\nrdb_bgsave_in_progress:0\r\naof_rewrite_in_progress:0\r\n"
      "module_fork_in_progress:0\r\n# Memory\r\nlazyfree_pending_objects:0\r\n");
  EXPECT_TRUE(pending_server_work(idle).empty());
  const InfoFields busy = parse_info(
      "# Persistence\r\nrdb_bgsave_in_progress:1\r\naof_rewrite_in_progress:0\r\n# Memory\r\n"
      "lazyfree_pending_objects:12\r\n");
  EXPECT_EQ(pending_server_work(busy),
            (std::vector<std::string>{"rdb_bgsave_in_progress", "lazyfree_pending_objects=12"}));
  EXPECT_TRUE(pending_server_work(parse_info("")).empty());  // an older server without the fields
}

TEST(ServerQuiet, AnIdleServerIsQuietWithinTheBudget) {
  EmbeddedRedis server;
  const std::atomic<bool> stop{false};
  const QuietWait wait = wait_for_quiet_server(server.endpoint(), milliseconds(30000), stop);
  EXPECT_TRUE(wait.quiet) << wait.to_json().dump();
  EXPECT_TRUE(wait.error.empty()) << wait.error;
  EXPECT_TRUE(wait.pending.empty());
  EXPECT_GE(wait.cpu_rate, 0);
  EXPECT_LT(wait.cpu_rate, 0.05);
  EXPECT_LT(wait.seconds, 30);  // it did not wait out the budget
  const nlohmann::json j = wait.to_json();
  EXPECT_EQ(j["quiet"], true);
  EXPECT_TRUE(j.contains("seconds") && j.contains("cpu_rate"));
}

TEST(ServerQuiet, ARunningSaveKeepsItBusyUntilTheBudgetEnds) {
  EmbeddedRedis server;
  CommandChannel channel(server.endpoint(), milliseconds(3000));
  // A save that takes a second per key stays in progress for the whole wait.
  channel.call_ok({"CONFIG", "SET", "rdb-key-save-delay", "1000000"});
  channel.call_ok({"SET", "a", "1"});
  channel.call_ok({"SET", "b", "2"});
  channel.call_ok({"BGSAVE"});
  const std::atomic<bool> stop{false};
  const QuietWait wait = wait_for_quiet_server(server.endpoint(), milliseconds(600), stop);
  EXPECT_FALSE(wait.quiet);
  EXPECT_TRUE(has(wait.pending, "rdb_bgsave_in_progress")) << wait.to_json().dump();
  EXPECT_GE(wait.seconds, 0.4);  // it waited for the budget, not less
}

TEST(ServerQuiet, StopEndsTheWait) {
  EmbeddedRedis server;
  const std::atomic<bool> stop{true};
  const QuietWait wait = wait_for_quiet_server(server.endpoint(), milliseconds(60000), stop);
  EXPECT_FALSE(wait.quiet);
  EXPECT_LT(wait.seconds, 30);
}

TEST(ServerQuiet, AnUnreachableServerEndsTheWaitWithItsError) {
  const std::atomic<bool> stop{false};
  const QuietWait wait = wait_for_quiet_server(net::Endpoint::tcp("127.0.0.1", 1), milliseconds(60000), stop);
  EXPECT_FALSE(wait.quiet);
  EXPECT_FALSE(wait.error.empty());
  EXPECT_EQ(wait.to_json()["error"], wait.error);
}

}  // namespace
}  // namespace kvslo

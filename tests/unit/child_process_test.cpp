// The one child-process class: output routing, environment, exit codes,
// bounded waits, and ending the child's whole group.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/scratch_dir.hpp"
#include "system/child_process.hpp"

namespace kvslo {
namespace {

using namespace std::chrono_literals;

ChildOptions shell(const std::string& script) {
  ChildOptions options;
  options.argv = {"/bin/sh", "-c", script};
  options.out = options.err = ChildStream::capture();
  return options;
}

std::chrono::steady_clock::time_point in(std::chrono::milliseconds wait) { return std::chrono::steady_clock::now() + wait; }

// Alive and not a zombie waiting for whoever inherited it.
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return false;
  const auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() && text[close + 2] != 'Z';
}

void expect_nothing_unreaped() {
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(ChildProcess, CapturesBothStreamsAndTheExitCode) {
  ChildProcess child(shell("echo out; echo err >&2; exit 3"));
  EXPECT_EQ(child.wait(in(10s)), ChildWait::kExited);
  EXPECT_EQ(child.out(), "out\n");
  EXPECT_EQ(child.err(), "err\n");
  EXPECT_EQ(child.exit_code(), 3);
  EXPECT_FALSE(child.running());
  expect_nothing_unreaped();
}

TEST(ChildProcess, AddsToTheEnvironmentAndReplacesANameItGives) {
  ::setenv("KVSLO_CHILD_TEST_KEPT", "kept", 1);
  ::setenv("KVSLO_CHILD_TEST_REPLACED", "old", 1);
  ChildOptions options = shell("echo $KVSLO_CHILD_TEST_KEPT $KVSLO_CHILD_TEST_REPLACED $KVSLO_CHILD_TEST_NEW");
  options.environment = {{"KVSLO_CHILD_TEST_REPLACED", "new"}, {"KVSLO_CHILD_TEST_NEW", "added"}};
  ChildProcess child(options);
  ASSERT_EQ(child.wait(in(10s)), ChildWait::kExited);
  EXPECT_EQ(child.out(), "kept new added\n");
}

class ChildProcessFiles : public testing::ScratchDirTest {};

TEST_F(ChildProcessFiles, WritesAStreamToAFile) {
  const auto file = dir_ / "out.txt";
  ChildOptions options = shell("echo to-file");
  options.out = ChildStream::file(file.string());
  ChildProcess child(options);
  ASSERT_EQ(child.wait(in(10s)), ChildWait::kExited);
  std::ifstream in_file(file);
  std::string line;
  std::getline(in_file, line);
  EXPECT_EQ(line, "to-file");
  EXPECT_EQ(child.out(), "");
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::others_read, std::filesystem::perms::none);
}

TEST(ChildProcess, AProgramThatCannotRunExits127) {
  ChildOptions options;
  options.argv = {"/nonexistent/kvslo-no-such-program"};
  ChildProcess child(options);
  EXPECT_EQ(child.wait(in(10s)), ChildWait::kExited);
  EXPECT_EQ(child.exit_code(), 127);
}

TEST(ChildProcess, ATimeoutLeavesItRunningUntilTerminated) {
  ChildProcess child(shell("sleep 30"));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(child.wait(in(200ms)), ChildWait::kTimedOut);
  EXPECT_TRUE(child.running());
  child.terminate(5s);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_FALSE(child.running());
  EXPECT_EQ(child.exit_code(), 128 + SIGTERM);
  expect_nothing_unreaped();
}

TEST(ChildProcess, AStopRequestEndsTheWait) {
  std::atomic<bool> stop{false};
  ChildProcess child(shell("sleep 30"));
  std::thread raise([&] {
    std::this_thread::sleep_for(100ms);
    stop = true;
  });
  EXPECT_EQ(child.wait(in(30s), &stop), ChildWait::kStopped);
  raise.join();
  child.kill();
  EXPECT_EQ(child.exit_code(), 128 + SIGKILL);
}

TEST(ChildProcess, TermIgnoredMeansKilledAfterTheGrace) {
  ChildProcess child(shell("trap '' TERM; echo ready; sleep 30"));
  while (child.out().empty() && child.wait(in(50ms)) == ChildWait::kTimedOut) {
  }
  const auto started = std::chrono::steady_clock::now();
  child.terminate(300ms);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
  EXPECT_EQ(child.exit_code(), 128 + SIGKILL);
}

TEST(ChildProcess, KillEndsWhatItStartedToo) {
  // The grandchild holds the output pipe: ending only the child would leave it behind.
  ChildProcess child(shell("sleep 30 & echo $!; wait"));
  while (child.out().find('\n') == std::string::npos && child.wait(in(50ms)) == ChildWait::kTimedOut) {
  }
  const pid_t grandchild = std::stoi(child.out());
  child.kill();
  for (int i = 0; i < 200 && alive(grandchild); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(alive(grandchild));
}

TEST(ChildProcess, CountsTheChildsCpu) {
  ChildProcess child(shell("i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"));
  ASSERT_EQ(child.wait(in(60s)), ChildWait::kExited);
  EXPECT_GT(child.cpu_seconds(), 0.0);
}

TEST(ChildProcess, TheDestructorKillsAndReaps) {
  pid_t pid = -1;
  {
    ChildProcess child(shell("sleep 30"));
    pid = child.pid();
  }
  EXPECT_FALSE(alive(pid));
  expect_nothing_unreaped();
}

// A child that answers requests line by line (the redis-py peer): what it is
// sent reaches its stdin, its lines come back one at a time, and the end of
// its input ends it.
TEST(ChildProcess, AnswersRequestsOneLineAtATime) {
  ChildOptions options = shell("while read request; do echo \"answer to $request\"; done; echo bye >&2");
  options.input = true;
  ChildProcess child(options);
  ChildWait why = ChildWait::kTimedOut;
  ASSERT_TRUE(child.send("one\ntwo\n"));
  EXPECT_EQ(child.read_line(in(5s), nullptr, why).value_or("none"), "answer to one");
  EXPECT_EQ(child.read_line(in(5s), nullptr, why).value_or("none"), "answer to two");
  ASSERT_TRUE(child.send("three\n"));
  EXPECT_EQ(child.read_line(in(5s), nullptr, why).value_or("none"), "answer to three");
  child.close_input();
  EXPECT_FALSE(child.read_line(in(5s), nullptr, why).has_value());
  EXPECT_EQ(why, ChildWait::kExited) << "the end of its stdout is the end of its answers";
  ASSERT_EQ(child.wait(in(5s)), ChildWait::kExited);
  EXPECT_EQ(child.exit_code(), 0);
  EXPECT_EQ(child.err(), "bye\n");
}

TEST(ChildProcess, ALineNotYetWholeWaitsAndTimesOut) {
  ChildOptions options = shell("printf 'half'; sleep 30");
  options.input = true;
  ChildProcess child(options);
  ChildWait why = ChildWait::kExited;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(child.read_line(in(300ms), nullptr, why).has_value());
  EXPECT_EQ(why, ChildWait::kTimedOut);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  EXPECT_EQ(child.out(), "half") << "what came is kept for the next read";
  std::atomic<bool> stop{true};
  EXPECT_FALSE(child.read_line(in(5s), &stop, why).has_value());
  EXPECT_EQ(why, ChildWait::kStopped);
  child.terminate(1s);
}

// A child that has gone: sending fails instead of raising SIGPIPE, which
// would end this test process (it keeps SIGPIPE's default action).
TEST(ChildProcess, SendingToAChildThatEndedFailsWithoutASignal) {
  ASSERT_EQ(::signal(SIGPIPE, SIG_DFL), SIG_DFL);
  ChildOptions options = shell("exit 3");
  options.input = true;
  ChildProcess child(options);
  ASSERT_EQ(child.wait(in(5s)), ChildWait::kExited);
  EXPECT_FALSE(child.send(std::string(100000, 'x')));
  ChildOptions without = shell("exit 0");
  ChildProcess no_input(without);
  EXPECT_FALSE(no_input.send("x\n")) << "a child started without ChildOptions::input has no pipe to write";
}

TEST(ChildProcess, FindsProgramsOnThePath) {
  EXPECT_EQ(find_on_path("sh").empty(), false);
  EXPECT_EQ(find_on_path("kvslo-no-such-program"), "");
}

}  // namespace
}  // namespace kvslo

#pragma once
// Running helper programs (iperf3, the report script, the peers) to the end,
// the common ways: no shell, output not inherited twice, every wait bounded.
// Each is one ChildProcess (child_process.hpp).

#include <atomic>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace kvslo {

// Runs argv[0] with argv and waits at most `timeout`; stdout/stderr go to ours
// unless `quiet`. Returns the exit code (127 when it could not be run), 124
// when it outlived the timeout and was stopped (which it says on stderr), or
// 130 when `stop` was raised and it was stopped.
int run_process(const std::vector<std::string>& argv, bool quiet, std::chrono::milliseconds timeout,
                const std::atomic<bool>* stop = nullptr);

// Runs argv and returns what it printed on stdout (stderr discarded); kills
// it after `timeout`, or when `stop` is raised. `exit_code` receives its exit code.
std::string capture_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, int& exit_code,
                            const std::atomic<bool>* stop = nullptr);

// What a helper program did: its output, exit code and the CPU it used.
struct ProcessOutput {
  std::string out, err;
  int exit_code = 127;       // 127: could not be run; 128 + signal when killed
  bool timed_out = false;    // killed at the timeout
  bool stopped = false;      // killed because a stop (Ctrl-C) was requested
  double cpu_seconds = 0;    // user + system of the child (from wait4)
};

// Runs argv with `environment` added to ours and captures both output
// streams; kills it (and its process group) after `timeout`, or as soon as
// `stop` is raised. The child runs in its own process group, so a Ctrl-C at
// the terminal does not kill it mid-measurement behind kvslo's back.
ProcessOutput run_captured(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                           const std::vector<std::pair<std::string, std::string>>& environment = {},
                           const std::atomic<bool>* stop = nullptr);

// The first line of a small file such as /proc/sys/net/core/rmem_max ("" if unreadable).
std::string read_first_line(const std::string& path);

}  // namespace kvslo

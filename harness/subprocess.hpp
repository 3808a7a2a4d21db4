#pragma once
// Running helper programs (iperf3, the report script): no shell, output not
// inherited twice, every wait bounded.

#include <chrono>
#include <string>
#include <vector>

namespace kvslo {

// Runs argv[0] with argv and waits; stdout/stderr go to ours unless `quiet`.
// Returns the exit code (127 when it could not be run).
int run_process(const std::vector<std::string>& argv, bool quiet);

// Runs argv and returns what it printed on stdout (stderr discarded); kills
// it after `timeout`. `exit_code` receives its exit code.
std::string capture_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, int& exit_code);

// The first line of a small file such as /proc/sys/net/core/rmem_max ("" if unreadable).
std::string read_first_line(const std::string& path);

}  // namespace kvslo

#include "system/subprocess.hpp"

#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>

#include "system/child_process.hpp"

namespace kvslo {
namespace {

constexpr std::chrono::seconds kStopGrace{5};

// Says why `name` was stopped, and returns the exit code that says it: 130
// when stopped, 124 at the timeout (as timeout(1) does).
int report_stopped(const std::string& name, ChildWait why, std::chrono::milliseconds timeout) {
  if (why == ChildWait::kStopped) {
    std::cerr << "kvslo: stopped " << name << " (interrupted)\n";
    return 130;
  }
  std::cerr << "kvslo: " << name << " did not finish within " << std::chrono::duration<double>(timeout).count()
            << " s; stopped it\n";
  return 124;
}

}  // namespace

int run_process(const std::vector<std::string>& argv, bool quiet, std::chrono::milliseconds timeout,
                const std::atomic<bool>* stop) {
  ChildOptions options{argv, {}, {}, {}};
  if (quiet) options.out = options.err = ChildStream::discard();
  try {
    ChildProcess child(options);
    const ChildWait why = child.wait(std::chrono::steady_clock::now() + timeout, stop);
    if (why == ChildWait::kExited) return child.exit_code();
    // SIGTERM first, so the report script can remove its temporary directory.
    child.terminate(kStopGrace);
    return report_stopped(argv.front(), why, timeout);
  } catch (const ChildError&) {
    return 127;
  }
}

ProcessOutput run_captured(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                           const std::vector<std::pair<std::string, std::string>>& environment,
                           const std::atomic<bool>* stop) {
  ChildOptions options{argv, environment, ChildStream::capture(), ChildStream::capture()};
  ProcessOutput result;
  std::optional<ChildProcess> child;
  try {
    child.emplace(options);
  } catch (const ChildError& e) {
    // Could not be run (exit code 127); a pipe that cannot be made is kvslo's own trouble.
    if (e.stage() != ChildError::Stage::kFork) throw std::runtime_error(e.what());
    return result;
  }
  const ChildWait why = child->wait(std::chrono::steady_clock::now() + timeout, stop);
  if (why != ChildWait::kExited) child->kill();  // the whole group: nothing it started outlives it
  result.timed_out = why == ChildWait::kTimedOut;
  result.stopped = why == ChildWait::kStopped;
  result.out = child->out();
  result.err = child->err();
  result.exit_code = child->exit_code();
  result.cpu_seconds = child->cpu_seconds();
  return result;
}

std::string capture_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, int& exit_code,
                            const std::atomic<bool>* stop) {
  ProcessOutput result = run_captured(argv, timeout, {}, stop);
  exit_code = result.exit_code;
  return result.out;
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace kvslo

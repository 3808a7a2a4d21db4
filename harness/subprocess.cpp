#include "subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include "net/socket.hpp"  // poll_timeout_ms

namespace kvslo {
namespace {

[[noreturn]] void exec_child(const std::vector<std::string>& argv) {
  // Its own process group: a Ctrl-C at the terminal reaches kvslo only, which
  // then ends the child itself and records the point as interrupted.
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

int wait_for(pid_t child) {
  int status = 0;
  if (child < 0 || ::waitpid(child, &status, 0) < 0) return 127;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void redirect_to_null(int fd) {
  const int null = ::open("/dev/null", O_WRONLY);
  ::dup2(null, fd);
}

}  // namespace

int run_process(const std::vector<std::string>& argv, bool quiet) {
  // The child must not inherit unflushed output: it would print it again.
  std::cout.flush();
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child == 0) {
    if (quiet) {
      redirect_to_null(1);
      redirect_to_null(2);
    }
    exec_child(argv);
  }
  return wait_for(child);
}

ProcessOutput run_captured(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                           const std::vector<std::pair<std::string, std::string>>& environment,
                           const std::atomic<bool>* stop) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  std::cout.flush();
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    for (const auto& [name, value] : environment) ::setenv(name.c_str(), value.c_str(), 1);
    exec_child(argv);
  }
  if (child > 0) ::setpgid(child, child);  // as the child does: no window where a group kill misses it
  ::close(out[1]);
  ::close(err[1]);
  ProcessOutput result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[65536];
  pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_pipes = 2;
  while (open_pipes > 0) {
    if (stop && *stop) {
      ::kill(-child, SIGKILL);  // the child's whole group: nothing it started outlives it
      result.stopped = true;
      break;
    }
    // In slices, so a stop request is seen within a tenth of a second.
    const auto slice = std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
    const int rc = ::poll(p, 2, net::poll_timeout_ms(slice));
    if (rc == 0 && std::chrono::steady_clock::now() >= deadline) {
      ::kill(-child, SIGKILL);
      result.timed_out = true;
      break;
    }
    if (rc == 0) continue;
    if (rc < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (p[i].fd < 0 || p[i].revents == 0) continue;
      const ssize_t n = ::read(p[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else {
        ::close(p[i].fd);
        p[i].fd = -1;  // poll ignores negative descriptors
        --open_pipes;
      }
    }
  }
  for (auto& pipe : p) {
    if (pipe.fd >= 0) ::close(pipe.fd);
  }
  int status = 0;
  rusage usage{};
  pid_t reaped = -1;
  do {
    reaped = child > 0 ? ::wait4(child, &status, 0, &usage) : -1;
  } while (reaped < 0 && errno == EINTR);
  if (reaped == child) {
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    result.cpu_seconds = secs(usage.ru_utime) + secs(usage.ru_stime);
  }
  return result;
}

std::string capture_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, int& exit_code) {
  ProcessOutput result = run_captured(argv, timeout);
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

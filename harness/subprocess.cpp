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
#include <thread>

#include "net/socket.hpp"  // poll_timeout_ms

namespace kvslo {
namespace {

constexpr std::chrono::seconds kStopGrace{5};

[[noreturn]] void exec_child(const std::vector<std::string>& argv, pid_t parent) {
  // Its own process group: a Ctrl-C at the terminal reaches kvslo only, which
  // then ends the child itself and records the point as interrupted.
  ::setpgid(0, 0);
  // If kvslo dies, the child is told to end (SIGTERM: the report script then
  // removes its temporary directory); a parent already gone is caught by getppid.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(127);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

// Blocks until `child` ends; a signal arriving meanwhile must not lose its exit
// code or leave it a zombie, so EINTR is retried.
int reap(pid_t child) {
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return 127;
  }
  return exit_code_of(status);
}

// Polls for `child` until `deadline` (waitpid has no timeout). Returns its exit
// code, or -1 when it is still running at the deadline.
int wait_until(pid_t child, std::chrono::steady_clock::time_point deadline, const std::atomic<bool>* stop = nullptr) {
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    if (stop && *stop) return -1;
    int status = 0;
    const pid_t done = ::waitpid(child, &status, WNOHANG);
    if (done == child) return exit_code_of(status);
    if (done < 0 && errno != EINTR) return 127;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return -1;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(50));  // quick for short helpers, cheap for long ones
  }
}

// Waits for `child` at most `timeout`, or until `stop` is raised; then stops
// its process group (SIGTERM, so the report script can remove its temporary
// directory; SIGKILL if it does not go) and returns 124, as timeout(1) does,
// or 130 when stopped.
int wait_for(pid_t child, const std::string& name, std::chrono::milliseconds timeout, const std::atomic<bool>* stop) {
  if (child < 0) return 127;
  if (const int code = wait_until(child, std::chrono::steady_clock::now() + timeout, stop); code >= 0) return code;
  ::kill(-child, SIGTERM);
  if (wait_until(child, std::chrono::steady_clock::now() + kStopGrace) < 0) {
    ::kill(-child, SIGKILL);
    reap(child);
  }
  if (stop && *stop) {
    std::cerr << "kvslo: stopped " << name << " (interrupted)\n";
    return 130;
  }
  std::cerr << "kvslo: " << name << " did not finish within " << std::chrono::duration<double>(timeout).count()
            << " s; stopped it\n";
  return 124;
}

void redirect_to_null(int fd) {
  const int null = ::open("/dev/null", O_WRONLY);
  ::dup2(null, fd);
}

}  // namespace

int run_process(const std::vector<std::string>& argv, bool quiet, std::chrono::milliseconds timeout,
                const std::atomic<bool>* stop) {
  // The child must not inherit unflushed output: it would print it again.
  std::cout.flush();
  std::fflush(nullptr);
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child == 0) {
    if (quiet) {
      redirect_to_null(1);
      redirect_to_null(2);
    }
    exec_child(argv, parent);
  }
  if (child > 0) ::setpgid(child, child);  // as the child does: no window where a group kill misses it
  return wait_for(child, argv.front(), timeout, stop);
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
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    for (const auto& [name, value] : environment) ::setenv(name.c_str(), value.c_str(), 1);
    exec_child(argv, parent);
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
  pid_t done = -1;
  while (child > 0 && (done = ::wait4(child, &status, 0, &usage)) < 0 && errno == EINTR) {
  }
  if (child > 0 && done == child) {
    result.exit_code = exit_code_of(status);
    auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    result.cpu_seconds = secs(usage.ru_utime) + secs(usage.ru_stime);
  }
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

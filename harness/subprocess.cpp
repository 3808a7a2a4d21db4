#include "subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

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

std::string capture_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, int& exit_code) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  std::cout.flush();
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child == 0) {
    ::dup2(out[1], 1);
    redirect_to_null(2);
    exec_child(argv);
  }
  ::close(out[1]);
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[65536];
  for (;;) {
    pollfd p{out[0], POLLIN, 0};
    const int rc = ::poll(&p, 1, net::poll_timeout_ms(deadline));
    if (rc == 0) {
      ::kill(child, SIGKILL);
      break;
    }
    if (rc < 0 && errno == EINTR) continue;
    const ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  exit_code = wait_for(child);
  return text;
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace kvslo

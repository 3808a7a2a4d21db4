#include "system/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>
#include <utility>

#include "net/sigpipe_blocked.hpp"
#include "net/socket.hpp"  // poll_timeout_ms

extern char** environ;

namespace kvslo {
namespace {

using Clock = std::chrono::steady_clock;

// A descriptor closed when its owner goes, so a failed start leaks nothing.
struct OwnedFd {
  int fd = -1;
  OwnedFd() = default;
  explicit OwnedFd(int f) : fd(f) {}
  OwnedFd(OwnedFd&& other) noexcept : fd(other.release()) {}
  OwnedFd& operator=(OwnedFd&& other) noexcept {
    std::swap(fd, other.fd);
    return *this;
  }
  ~OwnedFd() {
    if (fd >= 0) ::close(fd);
  }
  int release() { return std::exchange(fd, -1); }
};

[[noreturn]] void fail(const std::string& what, ChildError::Stage stage = ChildError::Stage::kSetup) {
  throw ChildError(stage, what + ": " + std::strerror(errno));
}

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

double seconds_of(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

// The child's side of one output stream: the descriptor it gets (-1: ours
// unchanged) and, when captured, the read end the parent keeps.
struct StreamEnds {
  OwnedFd child_side, parent_side;
};

// All the child needs, made before fork: it must not allocate.
struct Prepared {
  std::vector<std::string> argv_text, environment_text;
  std::vector<char*> argv, envp;  // envp empty: ours unchanged
  StreamEnds out, err;
  OwnedFd in_child_side, in_parent_side;  // its stdin, with ChildOptions::input
};

StreamEnds open_stream(const ChildStream& stream) {
  StreamEnds ends;
  switch (stream.kind) {
    case ChildStream::Kind::kInherit:
      break;
    case ChildStream::Kind::kDiscard:
      ends.child_side.fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
      if (ends.child_side.fd < 0) fail("opening /dev/null");
      break;
    case ChildStream::Kind::kFile:
      // A new file only: never through a symlink, never over a file someone else made.
      ends.child_side.fd = ::open(stream.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (ends.child_side.fd < 0) fail("opening " + stream.path);
      break;
    case ChildStream::Kind::kCapture: {
      int pipe[2];
      if (::pipe2(pipe, O_CLOEXEC) != 0) fail("pipe");
      ends.parent_side.fd = pipe[0];
      ends.child_side.fd = pipe[1];
      break;
    }
  }
  return ends;
}

// Ours, with `extra` added (a name given in both takes the extra value).
std::vector<std::string> merged_environment(const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> out;
  for (char** entry = environ; entry && *entry; ++entry) {
    const std::string_view text(*entry);
    const std::string_view name = text.substr(0, text.find('='));
    const bool replaced = std::any_of(extra.begin(), extra.end(), [&](const auto& e) { return e.first == name; });
    if (!replaced) out.emplace_back(text);
  }
  for (const auto& [name, value] : extra) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

pid_t spawn(const Prepared& prepared, int death_signal) {
  // The child must not inherit unflushed output: it would print it again.
  std::cout.flush();
  std::fflush(nullptr);
  const pid_t parent = ::getpid();
  const int out_fd = prepared.out.child_side.fd, err_fd = prepared.err.child_side.fd, in_fd = prepared.in_child_side.fd;
  const pid_t child = ::fork();
  if (child < 0) fail("fork", ChildError::Stage::kFork);
  if (child == 0) {
    ::setpgid(0, 0);
    // If kvslo dies, the child is told to end; a parent already gone is caught by getppid.
    ::prctl(PR_SET_PDEATHSIG, death_signal);
    if (::getppid() != parent) ::_exit(127);
    if (in_fd >= 0) ::dup2(in_fd, 0);
    if (out_fd >= 0) ::dup2(out_fd, 1);
    if (err_fd >= 0) ::dup2(err_fd, 2);
    if (prepared.envp.empty()) {
      ::execv(prepared.argv[0], prepared.argv.data());
    } else {
      ::execve(prepared.argv[0], prepared.argv.data(), prepared.envp.data());
    }
    ::_exit(127);
  }
  ::setpgid(child, child);  // as the child does: no window where a group kill misses it
  return child;
}

}  // namespace

ChildProcess::ChildProcess(const ChildOptions& options) {
  if (options.argv.empty()) throw ChildError(ChildError::Stage::kSetup, "no program to run");
  Prepared prepared;
  prepared.argv_text = options.argv;
  prepared.argv = pointers_to(prepared.argv_text);
  if (!options.environment.empty()) {
    prepared.environment_text = merged_environment(options.environment);
    prepared.envp = pointers_to(prepared.environment_text);
  }
  prepared.out = open_stream(options.out);
  prepared.err = open_stream(options.err);
  if (options.input) {
    int pipe[2];
    if (::pipe2(pipe, O_CLOEXEC) != 0) fail("pipe");
    prepared.in_child_side.fd = pipe[0];
    prepared.in_parent_side.fd = pipe[1];
  }
  pid_ = spawn(prepared, options.death_signal);
  in_pipe_ = prepared.in_parent_side.release();
  out_pipe_ = prepared.out.parent_side.release();
  err_pipe_ = prepared.err.parent_side.release();
}

ChildProcess::~ChildProcess() {
  if (running()) kill();
  close_pipes();
}

bool ChildProcess::pipes_open() const { return out_pipe_ >= 0 || err_pipe_ >= 0; }

void ChildProcess::close_pipes() {
  for (int* fd : {&out_pipe_, &err_pipe_, &in_pipe_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

// Appends what the pipes hold, waiting for some until `until`; a pipe at its
// end is closed.
void ChildProcess::read_pipes(Clock::time_point until) {
  pollfd p[2] = {{out_pipe_, POLLIN, 0}, {err_pipe_, POLLIN, 0}};  // poll ignores negative descriptors
  const int rc = ::poll(p, 2, net::poll_timeout_ms(until));
  if (rc <= 0) return;  // nothing yet, or EINTR: the caller loops
  int* fds[2] = {&out_pipe_, &err_pipe_};
  std::string* sinks[2] = {&out_, &err_};
  char buffer[65536];
  for (int i = 0; i < 2; ++i) {
    if (p[i].fd < 0 || p[i].revents == 0) continue;
    const ssize_t n = ::read(p[i].fd, buffer, sizeof buffer);
    if (n > 0) {
      sinks[i]->append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      ::close(p[i].fd);
      *fds[i] = -1;
    }
  }
}

// A signal arriving meanwhile must not lose the exit code or leave a
// zombie, so EINTR is retried.
bool ChildProcess::reap(bool block) {
  if (reaped_) return true;
  int status = 0;
  rusage usage{};
  pid_t done;
  while ((done = ::wait4(pid_, &status, block ? 0 : WNOHANG, &usage)) < 0 && errno == EINTR) {
  }
  if (done == 0) return false;
  reaped_ = true;
  if (done < 0) {
    exit_code_ = 127;
    return true;
  }
  exit_code_ = exit_code_of(status);
  cpu_seconds_ = seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
  return true;
}

bool ChildProcess::poll_exit() { return reap(false); }

ChildWait ChildProcess::wait(Clock::time_point deadline, const std::atomic<bool>* stop) {
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    if (stop && *stop) return ChildWait::kStopped;
    // Captured output is read to its end before the exit is collected.
    if (!pipes_open() && reap(false)) return ChildWait::kExited;
    const auto now = Clock::now();
    if (now >= deadline) return ChildWait::kTimedOut;
    if (pipes_open()) {
      // In slices, so a stop request is seen within a tenth of a second.
      read_pipes(std::min(deadline, now + std::chrono::milliseconds(100)));
    } else {
      std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - now));
      pause = std::min(pause * 2, std::chrono::milliseconds(50));  // quick for short helpers, cheap for long ones
    }
  }
}

bool ChildProcess::send(std::string_view text) {
  const net::SigpipeBlocked no_sigpipe;  // a child that closed its stdin makes this EPIPE, not a signal
  while (!text.empty() && in_pipe_ >= 0) {
    const ssize_t n = ::write(in_pipe_, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return text.empty();
}

void ChildProcess::close_input() {
  if (in_pipe_ >= 0) ::close(in_pipe_);
  in_pipe_ = -1;
}

std::optional<std::string> ChildProcess::read_line(Clock::time_point deadline, const std::atomic<bool>* stop,
                                                   ChildWait& why) {
  for (;;) {
    if (const auto end = out_.find('\n'); end != std::string::npos) {
      std::string line = out_.substr(0, end);
      out_.erase(0, end + 1);
      return line;
    }
    if (stop && *stop) {
      why = ChildWait::kStopped;
      return std::nullopt;
    }
    if (out_pipe_ < 0) {
      why = ChildWait::kExited;
      return std::nullopt;
    }
    const auto now = Clock::now();
    if (now >= deadline) {
      why = ChildWait::kTimedOut;
      return std::nullopt;
    }
    read_pipes(std::min(deadline, now + std::chrono::milliseconds(100)));  // slices: a stop is seen soon
  }
}

void ChildProcess::signal(int sig) {
  if (reaped_) return;
  // Its group, so nothing it started outlives it; the pid alone should the group be gone.
  if (::kill(-pid_, sig) != 0) ::kill(pid_, sig);
}

void ChildProcess::terminate(std::chrono::milliseconds grace) {
  if (reaped_) return;
  close_pipes();  // what it prints now is not wanted, and a grandchild holding a pipe must not hold us
  signal(SIGTERM);
  if (wait(Clock::now() + grace) == ChildWait::kExited) return;
  kill();
}

void ChildProcess::kill() {
  if (reaped_) return;
  close_pipes();
  signal(SIGKILL);
  reap(true);
}

std::string find_on_path(const std::string& program) {
  namespace fs = std::filesystem;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  // Debian installs redis-server in /usr/bin, but root's PATH may be trimmed.
  for (const char* fallback : {"/usr/bin", "/usr/sbin", "/usr/local/bin"}) {
    fs::path candidate = fs::path(fallback) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

}  // namespace kvslo

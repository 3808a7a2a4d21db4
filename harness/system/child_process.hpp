#pragma once
// One child process, started without a shell: its own process group (a
// Ctrl-C at the terminal reaches kvslo only, which then ends the child
// itself), told to end when kvslo dies, every wait bounded, always reaped.
// Everything the child needs between fork and exec is prepared beforehand:
// the child only calls async-signal-safe functions.

#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

namespace kvslo {

class ChildError : public std::runtime_error {
 public:
  // kFork: the system would not start another process; kSetup: kvslo could
  // not prepare its side (a pipe, an output file).
  enum class Stage { kSetup, kFork };
  ChildError(Stage stage, const std::string& what) : std::runtime_error(what), stage_(stage) {}
  Stage stage() const { return stage_; }

 private:
  Stage stage_;
};

// Where one of the child's output streams goes.
struct ChildStream {
  enum class Kind { kInherit, kDiscard, kCapture, kFile };
  Kind kind = Kind::kInherit;
  std::string path;  // kFile: created or truncated, mode 0600

  static ChildStream inherit() { return {}; }
  static ChildStream discard() { return {Kind::kDiscard, {}}; }
  static ChildStream capture() { return {Kind::kCapture, {}}; }
  static ChildStream file(std::string path) { return {Kind::kFile, std::move(path)}; }
};

struct ChildOptions {
  std::vector<std::string> argv;  // argv[0] is the program's path (no PATH search)
  std::vector<std::pair<std::string, std::string>> environment;  // added to ours, replacing same names
  ChildStream out, err;
  int death_signal = SIGTERM;  // what the child gets when kvslo dies
  bool input = false;  // a pipe to its stdin, written with send(); otherwise it has ours
};

// Why a wait returned.
enum class ChildWait { kExited, kTimedOut, kStopped };

class ChildProcess {
 public:
  // Starts it. Throws ChildError when it cannot (pipe, file, fork); a program
  // that cannot be executed exits 127.
  explicit ChildProcess(const ChildOptions& options);
  // A child still running is killed (SIGKILL to its group) and reaped.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const { return !reaped_; }

  // Reaps it if it has ended, without blocking; true once it has ended.
  bool poll_exit();
  // Reads captured output and waits until it ends, `deadline` passes or
  // `stop` is raised; the child is left running in the last two cases.
  ChildWait wait(std::chrono::steady_clock::time_point deadline, const std::atomic<bool>* stop = nullptr);

  // For a child that answers requests one line at a time (ChildOptions::input
  // and a captured stdout). Writes all of `text` to its stdin; false when it
  // can no longer read it (it closed its stdin, or ended).
  bool send(std::string_view text);
  // Closes its stdin, which it sees as the end of the requests.
  void close_input();
  // The next whole line it printed on stdout, without its newline, taken out
  // of out(). Nothing when `deadline` passes, `stop` is raised or its stdout
  // ends first: `why` then says which (kExited for the end of its stdout).
  std::optional<std::string> read_line(std::chrono::steady_clock::time_point deadline, const std::atomic<bool>* stop,
                                       ChildWait& why);
  // SIGTERM to its group (so it can clean up), SIGKILL if it has not ended
  // within `grace`; reaped either way.
  void terminate(std::chrono::milliseconds grace);
  // SIGKILL to its group; reaped.
  void kill();
  // Any signal to its group (SIGSTOP/SIGCONT for fault tests).
  void signal(int sig);

  // 127: could not be run; 128 + signal when killed; -1 while running.
  int exit_code() const { return exit_code_; }
  double cpu_seconds() const { return cpu_seconds_; }  // user + system, once reaped
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  bool pipes_open() const;
  void read_pipes(std::chrono::steady_clock::time_point until);
  void close_pipes();
  bool reap(bool block);

  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_code_ = -1;
  double cpu_seconds_ = 0;
  int out_pipe_ = -1, err_pipe_ = -1;  // read ends, when captured
  int in_pipe_ = -1;                   // write end of its stdin, with ChildOptions::input
  std::string out_, err_;
};

// Path of `program` on PATH (or in /usr/bin, /usr/sbin, /usr/local/bin), or empty.
std::string find_on_path(const std::string& program);

}  // namespace kvslo

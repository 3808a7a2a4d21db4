#include "signals.hpp"

#include <signal.h>

namespace kvslo::cli {
namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop = true; }

}  // namespace

std::atomic<bool>& stop_requested() { return g_stop; }

// SA_RESETHAND: a second Ctrl-C kills at once. SA_RESTART: a system call the
// signal lands in (a waitpid on a helper) resumes instead of failing with EINTR.
void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace kvslo::cli

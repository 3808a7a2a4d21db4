#pragma once
// Ctrl-C and SIGTERM: the first asks the running command to stop cleanly
// (finish the batch, keep finished points, delete kvslo's keys, stop what
// kvslo started); a second kills at once.

#include <atomic>

namespace kvslo::cli {

// Raised by the first SIGINT or SIGTERM once handlers are installed.
std::atomic<bool>& stop_requested();
void install_signal_handlers();

}  // namespace kvslo::cli

#pragma once
// A write to a peer that has gone (a socket closed by the server, a pipe whose
// reader exited) raises SIGPIPE, which kills a process that does not ignore
// it. Where the write cannot be told MSG_NOSIGNAL (hiredis's write(), a pipe),
// the writing thread blocks SIGPIPE for the scope and discards one aimed at it
// (SIGPIPE is thread-directed): the write fails with EPIPE instead.

#include <pthread.h>
#include <signal.h>

namespace kvslo::net {

class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
  }
  ~SigpipeBlocked() {
    if (!sigismember(&previous_, SIGPIPE)) {
      const timespec now{0, 0};
      while (::sigtimedwait(&pipe_, nullptr, &now) == SIGPIPE) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_{}, previous_{};
};

}  // namespace kvslo::net

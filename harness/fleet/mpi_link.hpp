#pragma once
// This process's place among kvslo's ranks under mpirun, and messages to
// and from the other ranks that never wait without a bound.
//
// Why not MPI's blocking calls and collectives: Open MPI busy-polls a core
// inside them, which on a client host would be counted as the client's CPU
// and taken from its threads; and a rank that died leaves a collective
// waiting forever. So every wait here polls (MPI_Test) with a short sleep
// between polls, has a timeout, and says which rank did not answer. Messages
// are point to point between rank 0 and each other rank, few and small, and
// never in flight during a timed trial (MPI's TCP shares the measured wire).

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

namespace kvslo::fleet {

// A rank that did not answer in time, or whose link failed; what() says
// what it did ("did not answer within 64 s"), for a message that names it.
class RankLost : public std::runtime_error {
 public:
  RankLost(int rank, const std::string& what) : std::runtime_error(what), rank_(rank) {}
  int rank() const { return rank_; }

 private:
  int rank_;
};

// Time spent waiting for other ranks, and this process's CPU during it: an
// idle rank must not spin.
struct WaitTally {
  double seconds = 0;
  double cpu_seconds = 0;
};

class MpiLink {
 public:
  // The ranks of the mpirun that started this process; null when mpirun did
  // not start it, or started it alone (-n 1): it runs as it would alone.
  // Throws std::runtime_error when mpirun started several ranks but kvslo
  // was built without MPI (every rank would measure alone).
  static std::unique_ptr<MpiLink> join();
  // Whether this build can take part in an mpirun of several ranks.
  static bool built_with_mpi();
  ~MpiLink();
  MpiLink(const MpiLink&) = delete;
  MpiLink& operator=(const MpiLink&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  std::string library() const;  // the MPI library's own version line

  // Sends `bytes` to rank `to` and waits until they left. `spin`: poll
  // without sleeping (only for the short clock exchange, where a sleep
  // would be measured as round-trip time).
  void send(int to, const std::string& bytes, std::chrono::milliseconds timeout, bool spin = false);
  // The next message from rank `from`. Throws RankLost after `timeout`, and
  // kvslo's Interrupted when `stop` is set while waiting.
  std::string receive(int from, std::chrono::milliseconds timeout, const std::atomic<bool>* stop = nullptr,
                      bool spin = false);
  // Waits so far (seconds and CPU), then zeroed.
  WaitTally take_waits();
  // Ends every rank now: after a lost rank, MPI_Finalize would wait for it.
  [[noreturn]] void abort(int exit_code);
  // Ends every rank when this link is destroyed (kvslo's last act) instead
  // of finalizing: the ranks' conversation broke off, and what kvslo still
  // has to write (results, a report) comes first.
  void end_by_abort(int exit_code) { abort_code_ = exit_code; }

 private:
  MpiLink(int rank, int size) : rank_(rank), size_(size) {}
  void tally(double seconds, double cpu_seconds);

  int rank_ = 0;
  int size_ = 1;
  WaitTally waits_;
  int abort_code_ = -1;  // >= 0: end the job with it when destroyed
};

// The rank count mpirun (or another PMI launcher) gave this process, from
// its environment: 0 when it was not started by one.
int launcher_world_size();

}  // namespace kvslo::fleet

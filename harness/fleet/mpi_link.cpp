// The MPI side of kvslo's ranks (Open MPI from Debian's libopenmpi-dev).
#include "fleet/mpi_link.hpp"

#include <mpi.h>

#include <algorithm>
#include <iostream>
#include <thread>
#include <vector>

#include "system/interrupted.hpp"
#include "system/process_cpu.hpp"

namespace kvslo::fleet {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kTag = 17;
// Between polls of a pending message: from 50 us, doubling up to 2 ms, so
// an answer that comes at once is taken at once, and a long wait costs a
// few hundred wake-ups a second (a trial's start, 10 ms ahead, is not held back).
class PollSleep {
 public:
  void operator()() {
    std::this_thread::sleep_for(next_);
    next_ = std::min(next_ * 2, std::chrono::microseconds(2000));
  }

 private:
  std::chrono::microseconds next_{50};
};

std::string rank_name(int rank) { return "rank " + std::to_string(rank); }

}  // namespace

bool MpiLink::built_with_mpi() { return true; }

std::unique_ptr<MpiLink> MpiLink::join() {
  if (launcher_world_size() < 1) return nullptr;  // not started by mpirun: no MPI at all
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    // Only the main thread calls MPI; the clients' own threads never do.
    int provided = 0;
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
      throw std::runtime_error("MPI_Init failed");
    }
    if (provided < MPI_THREAD_FUNNELED) {
      throw std::runtime_error("this MPI library cannot have threads beside the one that calls it (kvslo's clients have them)");
    }
  }
  // Errors come back as codes (a lost rank is reported, not an abort).
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::unique_ptr<MpiLink> link(new MpiLink(rank, size));
  if (size == 1) return nullptr;  // -n 1: as alone (the destructor finalizes)
  return link;
}

MpiLink::~MpiLink() {
  if (abort_code_ >= 0) {
    std::cout.flush();
    std::cerr.flush();
    abort(abort_code_);
  }
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

std::string MpiLink::library() const {
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(version, &length);
  std::string s(version, static_cast<std::size_t>(length));
  if (const auto comma = s.find(','); comma != std::string::npos) s.resize(comma);  // "Open MPI v4.1.4"
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
  return s;
}

namespace {

// Polls `request` until it completes, `timeout` passes or `stop` is set.
// Returns true when it completed; the request is cancelled otherwise.
bool wait_for(MPI_Request& request, std::chrono::milliseconds timeout, const std::atomic<bool>* stop, bool spin,
              MPI_Status* status, bool& stopped) {
  const auto deadline = Clock::now() + timeout;
  stopped = false;
  PollSleep sleep;
  for (;;) {
    int done = 0;
    if (MPI_Test(&request, &done, status) != MPI_SUCCESS) return false;
    if (done) return true;
    if (stop && *stop) {
      stopped = true;
      break;
    }
    if (Clock::now() >= deadline) break;
    if (!spin) sleep();
  }
  MPI_Cancel(&request);
  MPI_Request_free(&request);
  return false;
}

}  // namespace

void MpiLink::send(int to, const std::string& bytes, std::chrono::milliseconds timeout, bool spin) {
  const auto t0 = Clock::now();
  const double cpu0 = process_cpu_seconds();
  MPI_Request request;
  if (MPI_Isend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, to, kTag, MPI_COMM_WORLD, &request) != MPI_SUCCESS) {
    throw RankLost(to, "could not be sent a message");
  }
  bool stopped = false;
  const bool sent = wait_for(request, timeout, nullptr, spin, MPI_STATUS_IGNORE, stopped);
  tally(std::chrono::duration<double>(Clock::now() - t0).count(), process_cpu_seconds() - cpu0);
  if (!sent) {
    throw RankLost(to, "did not take a message within " + std::to_string(timeout.count() / 1000) + " s");
  }
}

std::string MpiLink::receive(int from, std::chrono::milliseconds timeout, const std::atomic<bool>* stop, bool spin) {
  const auto t0 = Clock::now();
  const double cpu0 = process_cpu_seconds();
  const auto deadline = t0 + timeout;
  // Probe first (its size is not known), polling as for any wait.
  MPI_Status status;
  PollSleep sleep;
  for (;;) {
    int arrived = 0;
    if (MPI_Iprobe(from, kTag, MPI_COMM_WORLD, &arrived, &status) != MPI_SUCCESS) {
      throw RankLost(from, "could not be reached (its link failed)");
    }
    if (arrived) break;
    if (stop && *stop) {
      tally(std::chrono::duration<double>(Clock::now() - t0).count(), process_cpu_seconds() - cpu0);
      throw Interrupted("interrupted while waiting for " + rank_name(from));
    }
    if (Clock::now() >= deadline) {
      tally(std::chrono::duration<double>(Clock::now() - t0).count(), process_cpu_seconds() - cpu0);
      throw RankLost(from, "did not answer within " + std::to_string(timeout.count() / 1000) + " s");
    }
    if (!spin) sleep();
  }
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  std::string bytes(static_cast<std::size_t>(count), '\0');
  MPI_Request request;
  MPI_Irecv(bytes.data(), count, MPI_BYTE, from, kTag, MPI_COMM_WORLD, &request);
  bool stopped = false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  const bool received = wait_for(request, std::max(left, std::chrono::milliseconds(1000)), stop, spin, MPI_STATUS_IGNORE, stopped);
  tally(std::chrono::duration<double>(Clock::now() - t0).count(), process_cpu_seconds() - cpu0);
  if (!received) throw RankLost(from, "sent a message that did not arrive whole");
  return bytes;
}

WaitTally MpiLink::take_waits() { return std::exchange(waits_, WaitTally{}); }

void MpiLink::tally(double seconds, double cpu_seconds) {
  waits_.seconds += seconds;
  waits_.cpu_seconds += cpu_seconds;
}

void MpiLink::abort(int exit_code) {
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

}  // namespace kvslo::fleet

// A build without MPI (libopenmpi-dev absent when it was configured): kvslo
// runs as one process, and refuses an mpirun of several ranks rather than
// let each rank measure alone and write its own results.
#include <cstdlib>

#include "fleet/mpi_link.hpp"

namespace kvslo::fleet {

bool MpiLink::built_with_mpi() { return false; }

std::unique_ptr<MpiLink> MpiLink::join() {
  if (const int ranks = launcher_world_size(); ranks > 1) {
    throw std::runtime_error("mpirun started " + std::to_string(ranks) +
                             " ranks, but this kvslo was built without MPI (install libopenmpi-dev, e.g. with "
                             "scripts/install-deps.sh, and build again): each rank would measure alone");
  }
  return nullptr;
}

MpiLink::~MpiLink() = default;  // (never made: join() returns null or throws)
std::string MpiLink::library() const { return "none"; }
void MpiLink::send(int, const std::string&, std::chrono::milliseconds, bool) { throw std::logic_error("no MPI in this build"); }
std::string MpiLink::receive(int, std::chrono::milliseconds, const std::atomic<bool>*, bool) {
  throw std::logic_error("no MPI in this build");
}
WaitTally MpiLink::take_waits() { return {}; }
void MpiLink::abort(int exit_code) { std::exit(exit_code); }
void MpiLink::tally(double, double) {}

}  // namespace kvslo::fleet

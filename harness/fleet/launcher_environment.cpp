#include <cstdlib>
#include <string>

#include "fleet/mpi_link.hpp"

namespace kvslo::fleet {

int launcher_world_size() {
  // Open MPI's mpirun, then PMIx and PMI launchers (srun, hydra).
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"}) {
    if (const char* value = std::getenv(name)) {
      try {
        return std::stoi(value);
      } catch (const std::exception&) {
        return 0;
      }
    }
  }
  return 0;
}

}  // namespace kvslo::fleet

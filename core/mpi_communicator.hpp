// Communicator over MPI (Open MPI from Debian's packages), for processes launched by `mpirun` or
// a scheduler (Slurm's `srun`): MPI_Init when made, MPI_Finalize when destroyed. Collectives work
// on host memory. MPI's default error handler ends the whole job when a rank dies, so a dead rank
// never leaves the others waiting. Built when VISAGE_MPI is on (the default where MPI is found).
#pragma once

#include <memory>

#include "core/communicator.hpp"

namespace visage {

// Whether this process was started by an MPI launcher (its environment says so).
bool launched_by_mpi();
// The rank among the processes of this machine (for choosing a GPU), 0 without a launcher.
int local_rank_from_environment();

// The communicator of an MPI launch, or nullptr for a plain single-process run. Throws when the
// launch has several ranks but this Visage was built without MPI.
std::unique_ptr<Communicator> communicator_from_environment();

}  // namespace visage

// OpenBLAS's idle threads spin, calling sched_yield, for 2^OPENBLAS_THREAD_TIMEOUT cycles after
// each threaded call before they sleep. The default, 2^28 cycles (about 0.1 s), keeps them
// spinning through a whole training step, taking the cores from Visage's own workers and the data
// threads: a CPU training step of the quickstart took 1.3x as long, NN2's 1.2x
// (docs/benchmarks.md). 2^20 cycles (well under a millisecond) still bridges back-to-back GEMMs.
#pragma once

namespace visage::tools {

// OpenBLAS reads the variable once, when it is loaded, before main; and libc's environment is not
// set up yet when anything of the executable's could run earlier. So when the variable is unset,
// this sets it and re-executes the program (/proc/self/exe, same arguments, same process); a
// value already in the environment is kept. Only timing changes, never a result. If the exec
// fails, it returns and the program runs on with OpenBLAS's default.
void shorten_blas_spin(char** argv);

}  // namespace visage::tools

// OpenBLAS reads its settings from the environment once, when it is loaded, before main; and
// libc's environment is not set up yet when anything of the executable's could run earlier. So
// `visage` sets what it needs and re-executes itself (/proc/self/exe, same arguments, same
// process) once. A value already in the environment is always kept (an empty one counts as
// unset). If the exec fails, it returns and the program runs on with OpenBLAS's defaults. Neither
// setting changes what a kernel computes on a given set of kernels; the second chooses the
// kernels.
//
// - OPENBLAS_THREAD_TIMEOUT=20. OpenBLAS's idle threads spin, calling sched_yield, for
//   2^OPENBLAS_THREAD_TIMEOUT cycles after each threaded call before they sleep. The default, 2^28
//   cycles (about 0.1 s), keeps them spinning through a whole training step, taking the cores from
//   Visage's own workers and the data threads: a CPU training step of the quickstart took 1.3x as
//   long, NN2's 1.2x (docs/benchmarks.md). 2^20 cycles (well under a millisecond) still bridges
//   back-to-back GEMMs.
// - OPENBLAS_CORETYPE, only where OpenBLAS fell back to kernels without AVX2 on a processor that
//   has AVX2 or AVX-512 (core/blas_kernels.hpp). OpenBLAS's own choice goes into
//   VISAGE_OPENBLAS_OWN_CHOICE, for `visage device-query` and `visage time` to report.
#pragma once

namespace visage::tools {

void configure_openblas(char** argv);

}  // namespace visage::tools

// Times the gradient all-reduce of data-parallel training: the sum over the ranks of one
// contiguous float buffer, as the solver does once per step, for the parameter counts of FaceNet's
// NN1 (140M) and NN2 (7.5M) unless counts are given. Not a test: run it under mpirun, e.g.
//   mpirun -np 2 build/bin/allreduce_bench [parameters...] [--repeats N]
// Rank 0 prints, per count, the median time per all-reduce and the bus bandwidth (bytes a rank
// sends and receives in a ring all-reduce, 2 (n - 1) / n x the buffer, per second).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/mpi_communicator.hpp"

int main(int argc, char** argv) {
  std::vector<long long> counts;
  int repeats = 10;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--repeats" && i + 1 < argc) {
      repeats = std::atoi(argv[++i]);
    } else {
      counts.push_back(std::atoll(arg.c_str()));
    }
  }
  if (counts.empty()) counts = {140'000'000, 7'500'000};
  const auto communicator = visage::communicator_from_environment();
  if (!communicator) {
    std::fprintf(stderr, "allreduce_bench: run it under mpirun (mpirun -np 2 %s)\n", argv[0]);
    return 2;
  }
  const int ranks = communicator->size();
  if (communicator->rank() == 0) {
    std::printf("%s, %d repeats\n", communicator->describe().c_str(), repeats);
    std::printf("%14s %12s %14s %14s\n", "parameters", "MiB", "ms (median)", "bus GB/s");
  }
  for (const long long count : counts) {
    std::vector<float> gradient(static_cast<size_t>(count), 1.0f);
    communicator->all_reduce_sum(gradient);  // warm-up: pages touched, connections made
    std::vector<double> ms;
    for (int r = 0; r < repeats; ++r) {
      const auto start = std::chrono::steady_clock::now();
      communicator->all_reduce_sum(gradient);
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
    }
    std::ranges::sort(ms);
    const double median = ms[ms.size() / 2];
    const double bytes = 4.0 * static_cast<double>(count);
    const double bus = 2.0 * (ranks - 1) / ranks * bytes / (median / 1000.0) / 1e9;
    if (communicator->rank() == 0) {
      std::printf("%14lld %12.1f %14.2f %14.2f\n", count, bytes / (1 << 20), median, bus);
    }
  }
  return 0;
}

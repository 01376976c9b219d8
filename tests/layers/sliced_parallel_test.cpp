#include "layers/sliced_parallel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace visage::testing {
namespace {

// Every item is handed out exactly once, in blocks of at most `grain`, to workers numbered below
// `workers`; OpenBLAS's thread count is restored afterwards.
TEST(RunBlocks, HandsOutEveryItemOnceInBlocksOfAtMostTheGrain) {
  const int blas_threads = openblas_get_num_threads();
  for (const int workers : {1, 2, 3}) {
    for (const int64_t total : {0, 1, 7, 16, 100}) {
      for (const int64_t grain : {1, 3, 16, 200}) {
        std::vector<std::atomic<int>> seen(static_cast<std::size_t>(total));
        std::atomic<bool> bad_block{false};
        cpu::run_blocks(total, grain, workers, [&](int64_t first, int64_t end, int worker) {
          if (end - first < 1 || end - first > grain || worker < 0 || worker >= workers) {
            bad_block = true;
          }
          for (int64_t i = first; i < end; ++i) ++seen[static_cast<std::size_t>(i)];
        });
        EXPECT_FALSE(bad_block) << workers << " workers, " << total << " items, grain " << grain;
        for (int64_t i = 0; i < total; ++i) {
          EXPECT_EQ(seen[static_cast<std::size_t>(i)], 1)
              << "item " << i << " of " << total << ", grain " << grain << ", " << workers
              << " workers";
        }
      }
    }
  }
  EXPECT_EQ(openblas_get_num_threads(), blas_threads);
}

}  // namespace
}  // namespace visage::testing

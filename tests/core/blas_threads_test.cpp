#include "core/blas_threads.hpp"

#include <cblas.h>
#include <gtest/gtest.h>

#include <optional>

namespace visage {
namespace {

// Two nets forwarding on two threads: their scopes overlap and the first to begin ends first.
// Restoring what each saw on entry would leave the count at the first one's for good.
TEST(BlasThreadsDuring, OverlappingScopesEndingOutOfOrderLeaveTheCountAsBefore) {
  const int before = openblas_get_num_threads();
  std::optional<cpu::BlasThreadsDuring> first(std::in_place, before + 2);
  std::optional<cpu::BlasThreadsDuring> second(std::in_place, before + 1);
  EXPECT_EQ(openblas_get_num_threads(), before + 1);
  first.reset();
  EXPECT_EQ(openblas_get_num_threads(), before + 1);  // the second still runs
  second.reset();
  EXPECT_EQ(openblas_get_num_threads(), before);
}

// A sliced layer (1 thread) inside a Python forward (3): the forward's count comes back after it.
TEST(BlasThreadsDuring, NestedScopeGivesBackTheOuterCount) {
  const int before = openblas_get_num_threads();
  {
    const cpu::BlasThreadsDuring forward(3);
    {
      const cpu::BlasThreadsDuring sliced(1);
      EXPECT_EQ(openblas_get_num_threads(), 1);
    }
    EXPECT_EQ(openblas_get_num_threads(), 3);
    const cpu::BlasThreadsDuring no_count(0);
    EXPECT_EQ(openblas_get_num_threads(), 3);
  }
  EXPECT_EQ(openblas_get_num_threads(), before);
}

}  // namespace
}  // namespace visage

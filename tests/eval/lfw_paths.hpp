// Where the tests find the shared LFW copy: ../shared/data/lfw beside the source tree.
#pragma once

#include "tests/support/run_visage.hpp"

namespace visage::eval::testing {

using visage::testing::lfw_root;

}  // namespace visage::eval::testing

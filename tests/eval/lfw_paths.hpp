// Where the tests find the shared LFW copy: $VISAGE_SOURCE_DIR/../shared/data/lfw.
#pragma once

#include <cstdlib>
#include <filesystem>

namespace visage::eval::testing {

inline std::filesystem::path lfw_root() {
  const char* source = std::getenv("VISAGE_SOURCE_DIR");
  const std::filesystem::path repo = source != nullptr ? source : ".";
  return repo / ".." / "shared" / "data" / "lfw";
}

}  // namespace visage::eval::testing

// Small text files in tests: a prototxt, a list or a deliberately broken image written (creating
// the folders above it), a report or a log read back whole.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace visage::testing {

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// The whole file; empty when it cannot be read.
inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace visage::testing

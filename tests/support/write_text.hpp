// Writes a small text file (a prototxt, a list, a deliberately broken image), creating the folders
// above it.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace visage::testing {

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

}  // namespace visage::testing

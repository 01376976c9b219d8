// What every fuzz target shares: the rule that bad input may only end in a visage::Error, and a
// temporary file for the readers that take a path (HDF5 opens files, not memory).
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>

#include "core/error.hpp"

namespace visage::fuzz {

// Runs `body`; a visage::Error is the expected answer to bad input. Any other exception is a
// finding: it is printed and the process aborts, so that libFuzzer records the input as a crash
// (an uncaught exception would abort too, but without saying what it was). With VISAGE_FUZZ_VERBOSE
// set, the errors are printed too: running a target on one file shows why Visage rejects it.
template <typename Body>
void expect_only_visage_errors(Body&& body) {
  try {
    body();
  } catch (const Error& e) {
    if (std::getenv("VISAGE_FUZZ_VERBOSE") != nullptr) std::fprintf(stderr, "%s\n", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "finding: an exception other than visage::Error escaped: %s\n", e.what());
    std::abort();
  }
}

// One file per process (libFuzzer's -jobs/-fork run several), rewritten for every input.
class TempFile {
 public:
  explicit TempFile(const std::string& suffix)
      : path_(std::filesystem::temp_directory_path() /
              ("visage_fuzz_" + std::to_string(::getpid()) + suffix)) {}
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& write(std::span<const uint8_t> bytes) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", path_.c_str());
      std::abort();
    }
    return path_;
  }

 private:
  std::string path_;
};

inline std::string as_text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace visage::fuzz

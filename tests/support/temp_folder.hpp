// A fresh folder for one test's files, removed with its contents at the end. Its name carries the
// test (so a leftover says who left it) and is made unique by mkdtemp, so tests running in
// parallel under `ctest -j`, or the same test in two processes, never share a folder.
#pragma once

#include <filesystem>
#include <string>

namespace visage::testing {

class TempFolder {
 public:
  // Named after the running test, or after the test suite inside SetUpTestSuite().
  TempFolder();
  ~TempFolder();
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  // A path inside the folder, as a string: what configs, commands and file APIs take.
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace visage::testing

#include "core/hdf5_atomic.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/error.hpp"
#include "core/file_seal.hpp"

namespace visage::hdf5 {
namespace {

namespace fs = std::filesystem;

void fsync_path(const std::string& path, int flags, const char* what) {
  const int fd = ::open(path.c_str(), flags);
  VISAGE_CHECK(fd >= 0, path, ": cannot open ", what, " to flush it: ", std::strerror(errno));
  const int status = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  VISAGE_CHECK(status == 0, path, ": cannot flush ", what, " to disk: ", std::strerror(saved));
}

// Removes the temporary file unless the write got as far as renaming it.
class TemporaryFile {
 public:
  explicit TemporaryFile(std::string path) : path_(std::move(path)) {}
  ~TemporaryFile() {
    if (!path_.empty()) {
      std::error_code ignored;
      fs::remove(path_, ignored);
    }
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  const std::string& path() const { return path_; }
  void keep() { path_.clear(); }

 private:
  std::string path_;
};

// ".<name>.<pid>.tmp", as write_atomically names its temporary files.
std::string temporary_name(const fs::path& target, pid_t pid) {
  return concat(".", target.filename().string(), ".", pid, ".tmp");
}

}  // namespace

void write_atomically(const std::string& path, const std::function<void(File&)>& fill) {
  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(folder, ec);
  VISAGE_CHECK(!ec, "cannot write ", path, ": cannot create folder ", folder.string(), ": ",
               ec.message());
  TemporaryFile temporary((folder / temporary_name(target, ::getpid())).string());
  try {
    File file = File::create(temporary.path(), kSealBytes);
    fill(file);
    file.close();
    seal_file(temporary.path());
    fsync_path(temporary.path(), O_RDONLY, "the file");
    fs::rename(temporary.path(), target, ec);
    VISAGE_CHECK(!ec, "cannot rename ", temporary.path(), " to ", path, ": ", ec.message());
    temporary.keep();
  } catch (const Error& e) {
    fail("cannot write ", path, ": ", e.what(),
         " (the partial file was removed; earlier files are untouched)");
  }
  // The rename is durable only once the folder's entry is on disk too.
  fsync_path(folder.string(), O_RDONLY | O_DIRECTORY, "the folder");
}

std::vector<std::string> remove_stale_temporaries(const std::string& folder) {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    // .<name>.<pid>.tmp: the pid sits between the last two dots.
    if (name.size() < 6 || name[0] != '.' || !name.ends_with(".tmp")) continue;
    const std::string stem = name.substr(0, name.size() - 4);
    const size_t dot = stem.rfind('.');
    if (dot == std::string::npos || dot + 1 >= stem.size()) continue;
    const std::string digits = stem.substr(dot + 1);
    if (digits.size() > 9 ||
        !std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    const auto pid = static_cast<pid_t>(std::stol(digits));
    // A live writer (another run sharing the folder) keeps its file.
    if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    if (fs::remove(entry.path(), ec)) removed.push_back(entry.path().string());
  }
  return removed;
}

}  // namespace visage::hdf5

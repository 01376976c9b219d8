// Publishing an HDF5 file atomically: it is written to a temporary file in the target's folder,
// flushed and fsynced, then renamed over the target and the folder fsynced. Readers see the old
// file or the complete new one, never a partial one, even after a crash or kill -9. Snapshots,
// embeddings files and every other HDF5 output go through it. Each is sealed with a checksum of
// its whole contents (core/file_seal.hpp), which File::open verifies.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/hdf5.hpp"

namespace visage::hdf5 {

// Creates the file through `fill` and publishes it at `path`, creating missing folders. Throws
// naming the path and what failed; the temporary file is removed on every failure.
void write_atomically(const std::string& path, const std::function<void(File&)>& fill);

// Removes the temporary files that write_atomically left in `folder` when its process was killed
// (named after a process that no longer runs); returns their paths.
std::vector<std::string> remove_stale_temporaries(const std::string& folder);

}  // namespace visage::hdf5

// A whole-file checksum for the HDF5 files Visage writes (snapshots, embeddings), kept in the
// file's HDF5 user block: the first kSealBytes bytes, which HDF5 reserves for the application and
// never reads. The seal holds the CRC-32 and length of everything after it, so a damaged file is
// refused before HDF5 parses a byte of it, and any HDF5 tool still opens a sealed file.
#pragma once

#include <cstddef>
#include <string>

namespace visage::hdf5 {

// The user block's size: HDF5 requires a power of two of at least 512.
inline constexpr std::size_t kSealBytes = 512;

enum class Seal : uint8_t {
  none,   // no seal: written by older Visage or another program, or not an HDF5 file at all
  valid,  // the checksum and length match
};

// Writes the seal into the user block of a closed HDF5 file created with kSealBytes of it.
void seal_file(const std::string& path);

// Checks the seal. Throws, naming the file, when the seal is damaged or the contents do not
// match it (changed, truncated or extended since they were written).
Seal check_seal(const std::string& path);

}  // namespace visage::hdf5

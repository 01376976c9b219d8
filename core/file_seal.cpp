#include "core/file_seal.hpp"

#include <zlib.h>

#include <array>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

#include "core/error.hpp"

namespace visage::hdf5 {
namespace {

constexpr char kMagic[] = "VISAGE-SEAL 1\n";
constexpr std::array<unsigned char, 8> kHdf5Signature = {0x89, 'H',  'D',  'F',
                                                         '\r', '\n', 0x1a, '\n'};

struct Digest {
  uint32_t crc = 0;
  uint64_t bytes = 0;
};

// CRC-32 and length of everything after the user block.
Digest digest_after_seal(std::ifstream& in) {
  in.seekg(static_cast<std::streamoff>(kSealBytes));
  std::vector<char> buffer(1 << 20);
  Digest digest{static_cast<uint32_t>(crc32_z(0, nullptr, 0)), 0};
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    digest.crc = static_cast<uint32_t>(
        crc32_z(digest.crc, reinterpret_cast<const Bytef*>(buffer.data()), got));
    digest.bytes += got;
  }
  return digest;
}

// The user block for a digest: the header text, then zeros.
std::array<char, kSealBytes> seal_block(const Digest& digest) {
  std::array<char, kSealBytes> block{};
  std::snprintf(block.data(), block.size(), "%scrc32 %08" PRIx32 "\nbytes %" PRIu64 "\n", kMagic,
                digest.crc, digest.bytes);
  return block;
}

}  // namespace

void seal_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  VISAGE_CHECK(in.good(), path, ": cannot reopen the file to checksum it");
  const std::array<char, kSealBytes> block = seal_block(digest_after_seal(in));
  std::fstream out(path, std::ios::binary | std::ios::in | std::ios::out);
  out.write(block.data(), static_cast<std::streamsize>(block.size()));
  out.flush();
  VISAGE_CHECK(out.good(), path, ": cannot write the checksum");
}

Seal check_seal(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  VISAGE_CHECK(in.good(), path, ": cannot be read (check its permissions)");
  std::array<char, kSealBytes> block{};
  in.read(block.data(), static_cast<std::streamsize>(block.size()));
  if (std::memcmp(block.data(), kHdf5Signature.data(), kHdf5Signature.size()) == 0) {
    return Seal::none;
  }
  Digest sealed;
  // Parsed, then written out again: every byte of the block must be as seal_file wrote it.
  const bool parsed =
      in.gcount() == static_cast<std::streamsize>(kSealBytes) &&
      std::memcmp(block.data(), kMagic, sizeof kMagic - 1) == 0 &&
      std::sscanf(block.data() + sizeof kMagic - 1, "crc32 %8" SCNx32 "\nbytes %" SCNu64,
                  &sealed.crc, &sealed.bytes) == 2 &&
      seal_block(sealed) == block;
  if (!parsed) {
    // A file with HDF5's signature right after a user block of our size whose header is unreadable
    // is a sealed file with a damaged seal; anything else is not ours to judge.
    std::array<char, kHdf5Signature.size()> next{};
    in.read(next.data(), next.size());
    VISAGE_CHECK(std::memcmp(next.data(), kHdf5Signature.data(), next.size()) != 0, path,
                 ": damaged file: its checksum header is unreadable");
    return Seal::none;
  }
  in.clear();
  const Digest digest = digest_after_seal(in);
  VISAGE_CHECK(digest.bytes == sealed.bytes, path, ": damaged file: ", digest.bytes + kSealBytes,
               " bytes, but it was written with ", sealed.bytes + kSealBytes,
               " (truncated or extended since)");
  VISAGE_CHECK(digest.crc == sealed.crc, path,
               ": damaged file: its checksum does not match its contents (bytes changed since it "
               "was written)");
  return Seal::valid;
}

}  // namespace visage::hdf5

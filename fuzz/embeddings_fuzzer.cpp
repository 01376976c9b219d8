// Embeddings file bytes -> read_embeddings (what `visage verify --embeddings` reads): HDF5's file
// parser, then our checks of the datasets' shapes and the path list. Seeds: a file written by
// visage_fuzz_seeds through write_embeddings.
#include <cstddef>
#include <cstdint>
#include <span>

#include "eval/embeddings_file.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {
constexpr size_t kMaxInputBytes = 64 * 1024;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInputBytes) return 0;
  static visage::fuzz::TempFile file(".h5");
  const std::string& path = file.write(std::span<const uint8_t>(data, size));
  visage::fuzz::expect_only_visage_errors([&] {
    const visage::eval::EmbeddingTable table = visage::eval::read_embeddings(path);
    for (const auto& image : table.paths()) static_cast<void>(table.find(image));
  });
  return 0;
}

// A memo of a pooled synthetic source's images as 8-bit pixels: each (label, index) is rendered the
// first time a batch asks for it and read from memory after that, so a training run over a fixed
// pool pays the renderer once per image rather than once per draw. Memory: identities x pool x
// size x size x channels bytes (1,000 identities x 20 images at 64x64 RGB: 246 MB), allocated up
// front. Safe to read from several threads at once; each image is rendered by exactly one of them.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "synthetic/source.hpp"

namespace visage::synthetic {

class SyntheticFaceCache {
 public:
  // `source` must be pooled (not unbounded) and outlive the cache.
  explicit SyntheticFaceCache(const SyntheticFaceSource& source);

  // The image's pixels, height x width x channels bytes (face_pixel_byte of the rendered face).
  std::span<const uint8_t> image(int label, int64_t index);

  size_t bytes() const { return slots_.size() * image_bytes_; }

 private:
  const SyntheticFaceSource* source_;
  size_t image_bytes_;
  std::unique_ptr<uint8_t[]> pixels_;
  std::vector<std::once_flag> slots_;
};

}  // namespace visage::synthetic

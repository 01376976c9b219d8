// Times the synthetic face renderer on one thread: ms per image (CPU time) for faces of identities
// 0.. at the given size, and a digest of every pixel's bits, so that a faster renderer can show it
// draws the same pixels. Not a test: timings depend on the machine.
//   usage: synthetic_render_bench [size] [images]     (defaults: 64, 500)
#include <bit>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

#include "core/hash.hpp"
#include "synthetic/face.hpp"

int main(int argc, char** argv) {
  const int size = argc > 1 ? std::stoi(argv[1]) : 64;
  const int images = argc > 2 ? std::stoi(argv[2]) : 500;
  if (size < 8 || images < 1) {
    std::fprintf(stderr, "usage: synthetic_render_bench [size >= 8] [images >= 1]\n");
    return 2;
  }
  visage::synthetic::SyntheticFaceConfig config;
  config.size = size;
  constexpr int kPerIdentity = 4;
  uint64_t digest = 0;
  const std::clock_t start = std::clock();
  for (int i = 0; i < images; ++i) {
    const visage::synthetic::FaceImage face =
        visage::synthetic::render_face(config, i / kPerIdentity, i % kPerIdentity);
    for (const float pixel : face.pixels) {
      digest = visage::mix64(digest ^ std::bit_cast<uint32_t>(pixel));
    }
  }
  const double cpu_ms = 1000.0 * static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
  std::printf("%d faces of %dx%d: %.3f ms per image (CPU time, one thread); pixel digest %016llx\n",
              images, size, size, cpu_ms / images, static_cast<unsigned long long>(digest));
}

// Image file bytes -> decode_image: format sniffing, then libjpeg-turbo, libpng or the PGM/PPM
// reader, as stored and converted to grey and to RGB. Seeds: JPEG, PNG and PNM files written by
// visage_fuzz_seeds with the library's own encoders.
#include <cstddef>
#include <cstdint>
#include <span>

#include "datasets/image_io.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {
constexpr size_t kMaxInputBytes = 64 * 1024;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInputBytes) return 0;
  const std::span<const uint8_t> bytes(data, size);
  visage::fuzz::expect_only_visage_errors([&] {
    // A file that decodes as stored goes through both conversions too.
    static_cast<void>(visage::data::decode_image(bytes, "fuzz"));
    static_cast<void>(visage::data::decode_image(bytes, "fuzz", 1));
    static_cast<void>(visage::data::decode_image(bytes, "fuzz", 3));
  });
  return 0;
}

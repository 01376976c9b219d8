// LFW pairs file text -> parse_pairs (View 1 and View 2 layouts), then the image list that
// `visage verify` derives from it. Seeds: the pairs files written by visage_fuzz_seeds.
#include <cstddef>
#include <cstdint>
#include <sstream>

#include "datasets/pairs.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {
constexpr size_t kMaxInputBytes = 16 * 1024;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInputBytes) return 0;
  visage::fuzz::expect_only_visage_errors([&] {
    std::istringstream in(visage::fuzz::as_text(data, size));
    const visage::data::PairsProtocol protocol = visage::data::parse_pairs(in, "fuzz");
    static_cast<void>(visage::data::images_of(protocol));
  });
  return 0;
}

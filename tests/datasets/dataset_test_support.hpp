// Helpers for the data-pipeline tests: tiny images with known pixels, and where the shared LFW
// copy lives; the temporary folder and text files of tests/support under this namespace too.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "datasets/image.hpp"
#include "datasets/image_io.hpp"
#include "tests/support/run_visage.hpp"
#include "tests/support/temp_folder.hpp"
#include "tests/support/text_file.hpp"

namespace visage::data::testing {

inline void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// A small RGB image whose pixel (y, x, c) is `value + 10 y + x + 100 c` (mod 256): every pixel
// differs, and the value tells which image it came from.
inline Image pattern_image(int height, int width, int value) {
  Image image(height, width, 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < 3; ++c)
        image.at(y, x, c) = static_cast<uint8_t>((value + 10 * y + x + 100 * c) % 256);
    }
  }
  return image;
}

inline FloatImage float_image(int height, int width, int channels, std::vector<float> values) {
  FloatImage image(height, width, channels);
  image.pixels = std::move(values);
  return image;
}

using visage::testing::lfw_root;
using visage::testing::TempFolder;
using visage::testing::write_text;

}  // namespace visage::data::testing

#define SKIP_WITHOUT_LFW()                                                                 \
  do {                                                                                     \
    if (!std::filesystem::is_directory(::visage::data::testing::lfw_root() / "images")) {  \
      GTEST_SKIP() << "skipped: LFW not found at " << ::visage::data::testing::lfw_root(); \
    }                                                                                      \
  } while (false)

#include "layers/im2col.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "core/rng.hpp"

namespace visage::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

std::vector<float> random_values(std::size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = rng.gaussian(0.0f, 1.0f);
  return v;
}

WindowGeometry geometry(int64_t channels, int64_t height, int64_t width, int64_t kernel_h,
                        int64_t kernel_w, int64_t stride_h, int64_t stride_w, int64_t pad_h,
                        int64_t pad_w, int64_t dilation_h, int64_t dilation_w) {
  WindowGeometry g;
  g.channels = channels;
  g.height = height;
  g.width = width;
  g.kernel_h = kernel_h;
  g.kernel_w = kernel_w;
  g.stride_h = stride_h;
  g.stride_w = stride_w;
  g.pad_h = pad_h;
  g.pad_w = pad_w;
  g.dilation_h = dilation_h;
  g.dilation_w = dilation_w;
  return g;
}

// The column matrix straight from its definition: entry (c, ki, kj ; oy, ox) is the input pixel
// under that kernel tap, or 0 in the padding.
std::vector<float> reference_im2col(const WindowGeometry& g, const std::vector<float>& image) {
  std::vector<float> col;
  for (int64_t c = 0; c < g.channels; ++c) {
    for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
      for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
        for (int64_t oy = 0; oy < g.out_h(); ++oy) {
          for (int64_t ox = 0; ox < g.out_w(); ++ox) {
            const int64_t y = oy * g.stride_h - g.pad_h + ki * g.dilation_h;
            const int64_t x = ox * g.stride_w - g.pad_w + kj * g.dilation_w;
            const bool inside = y >= 0 && y < g.height && x >= 0 && x < g.width;
            col.push_back(inside ? image[(c * g.height + y) * g.width + x] : 0.0f);
          }
        }
      }
    }
  }
  return col;
}

const std::vector<WindowGeometry>& geometries() {
  static const std::vector<WindowGeometry> all = {
      geometry(2, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1),  // 3x3 pad 1 (the inception 3x3)
      geometry(3, 7, 6, 7, 5, 2, 2, 3, 2, 1, 1),  // pad as large as the kernel's reach
      geometry(2, 6, 7, 2, 3, 3, 2, 0, 1, 2, 1),  // stride larger than the kernel, dilation
      geometry(4, 3, 2, 1, 1, 1, 1, 0, 0, 1, 1),  // 1x1: a copy
      geometry(1, 4, 4, 2, 2, 1, 1, 3, 3, 1, 1),  // rows and columns wholly in the padding
  };
  return all;
}

TEST(Im2col, MatchesTheDefinition) {
  for (const WindowGeometry& g : geometries()) {
    const auto image = random_values(g.channels * g.height * g.width, 3);
    std::vector<float> col(g.patch_size() * g.out_h() * g.out_w(), -7.0f);
    cpu::im2col(g, image.data(), col.data());
    EXPECT_THAT(col, ElementsAreArray(reference_im2col(g, image))) << g.describe();
  }
}

// col2im is the adjoint: <im2col(x), c> = <x, col2im(c)> for any x and c.
TEST(Im2col, Col2imIsTheAdjoint) {
  for (const WindowGeometry& g : geometries()) {
    const auto image = random_values(g.channels * g.height * g.width, 5);
    const auto col = random_values(g.patch_size() * g.out_h() * g.out_w(), 6);
    std::vector<float> image_col(col.size());
    std::vector<float> col_image(image.size(), -7.0f);
    cpu::im2col(g, image.data(), image_col.data());
    cpu::col2im(g, col.data(), col_image.data());
    double left = 0;
    double right = 0;
    for (std::size_t i = 0; i < col.size(); ++i) left += double{image_col[i]} * col[i];
    for (std::size_t i = 0; i < image.size(); ++i) right += double{image[i]} * col_image[i];
    EXPECT_NEAR(left, right, 1e-4 * (1 + std::abs(left))) << g.describe();
  }
}

// Two images side by side in one column matrix (ld = 2 * pixels) hold exactly each image's own
// columns, and col2im reads each back from its half.
TEST(Im2col, ImagesSideBySideWithALeadingDimension) {
  for (const WindowGeometry& g : geometries()) {
    const int64_t pixels = g.out_h() * g.out_w();
    const int64_t image_size = g.channels * g.height * g.width;
    const auto images = random_values(2 * image_size, 7);
    std::vector<float> wide(g.patch_size() * 2 * pixels, -7.0f);
    for (int i = 0; i < 2; ++i) {
      cpu::im2col(g, images.data() + i * image_size, wide.data() + i * pixels, 2 * pixels);
    }
    for (int i = 0; i < 2; ++i) {
      std::vector<float> own(g.patch_size() * pixels);
      cpu::im2col(g, images.data() + i * image_size, own.data());
      for (int64_t r = 0; r < g.patch_size(); ++r) {
        const auto row = wide.begin() + r * 2 * pixels + i * pixels;
        ASSERT_TRUE(std::equal(row, row + pixels, own.begin() + r * pixels))
            << g.describe() << ", image " << i << ", row " << r;
      }
      std::vector<float> from_wide(image_size), from_own(image_size);
      cpu::col2im(g, wide.data() + i * pixels, from_wide.data(), 2 * pixels);
      cpu::col2im(g, own.data(), from_own.data());
      EXPECT_EQ(from_wide, from_own) << g.describe() << ", image " << i;
    }
  }
}

// A 2x2 image with pad 1 and a 2x2 kernel: the corners of the 3x3 output read the padding.
TEST(Im2col, PaddingReadsAsZeroOnHandPickedValues) {
  const WindowGeometry g = geometry(1, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1);
  const std::vector<float> image = {1, 2, 3, 4};
  std::vector<float> col(4 * 9);
  cpu::im2col(g, image.data(), col.data());
  EXPECT_THAT(std::vector<float>(col.begin(), col.begin() + 9),
              ElementsAre(0, 0, 0, 0, 1, 2, 0, 3, 4));
  EXPECT_THAT(std::vector<float>(col.end() - 9, col.end()), ElementsAre(1, 2, 0, 3, 4, 0, 0, 0, 0));
}

}  // namespace
}  // namespace visage::testing

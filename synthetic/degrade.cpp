#include "synthetic/degrade.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

namespace visage::synthetic {
namespace {

using Block = std::array<float, 64>;

// The quantisation tables of the JPEG standard (ITU-T T.81, Annex K), for quality 50.
constexpr std::array<int, 64> kLumaTable{
    16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
    14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
    18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
constexpr std::array<int, 64> kChromaTable{
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99,
    99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};

// libjpeg's quality scaling of the base tables.
Block scaled_table(const std::array<int, 64>& base, int quality) {
  const int q = std::clamp(quality, 1, 100);
  const int scale = q < 50 ? 5000 / q : 200 - 2 * q;
  Block table;
  for (size_t i = 0; i < 64; ++i) {
    table[i] = static_cast<float>(std::clamp((base[i] * scale + 50) / 100, 1, 255));
  }
  return table;
}

// The orthonormal 8-point DCT-II basis: basis[u][x].
std::array<std::array<float, 8>, 8> dct_basis() {
  std::array<std::array<float, 8>, 8> basis{};
  for (int u = 0; u < 8; ++u) {
    const float alpha = u == 0 ? std::sqrt(0.125f) : 0.5f;
    for (int x = 0; x < 8; ++x) {
      basis[u][x] =
          alpha * std::cos(static_cast<float>((2 * x + 1) * u) * std::numbers::pi_v<float> / 16);
    }
  }
  return basis;
}

// Forward DCT, quantisation to the table's steps, inverse DCT.
void quantise_block(Block& block, const Block& table,
                    const std::array<std::array<float, 8>, 8>& c) {
  Block rows{}, coefficients{};
  for (int y = 0; y < 8; ++y) {
    for (int u = 0; u < 8; ++u) {
      float s = 0;
      for (int x = 0; x < 8; ++x) s += c[u][x] * block[y * 8 + x];
      rows[y * 8 + u] = s;
    }
  }
  for (int v = 0; v < 8; ++v) {
    for (int u = 0; u < 8; ++u) {
      float s = 0;
      for (int y = 0; y < 8; ++y) s += c[v][y] * rows[y * 8 + u];
      const float step = table[v * 8 + u];
      coefficients[v * 8 + u] = std::round(s / step) * step;
    }
  }
  for (int y = 0; y < 8; ++y) {
    for (int u = 0; u < 8; ++u) {
      float s = 0;
      for (int v = 0; v < 8; ++v) s += c[v][y] * coefficients[v * 8 + u];
      rows[y * 8 + u] = s;
    }
  }
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 8; ++x) {
      float s = 0;
      for (int u = 0; u < 8; ++u) s += c[u][x] * rows[y * 8 + u];
      block[y * 8 + x] = s;
    }
  }
}

}  // namespace

void apply_exposure(std::vector<float>& rgb, float gain) {
  for (float& v : rgb) v *= gain;
}

void gaussian_blur(std::vector<float>& rgb, int size, float sigma) {
  if (sigma < 0.05f) return;
  const int radius = std::max(1, static_cast<int>(std::ceil(3 * sigma)));
  std::vector<float> kernel(static_cast<size_t>(2 * radius + 1));
  float total = 0;
  for (int i = -radius; i <= radius; ++i) {
    total += kernel[static_cast<size_t>(i + radius)] =
        std::exp(-0.5f * static_cast<float>(i * i) / (sigma * sigma));
  }
  for (float& k : kernel) k /= total;

  // Each output is the sum over i = -radius..radius, in that order, of kernel * input; the loops
  // run i outermost so that the innermost one walks a whole row (it vectorises), and each output
  // still adds its terms in the same order.
  const size_t row = static_cast<size_t>(size) * 3;
  const auto pass = [&](const std::vector<float>& in, std::vector<float>& out, bool horizontal) {
    for (int y = 0; y < size; ++y) {
      float* o = &out[static_cast<size_t>(y) * row];
      std::fill(o, o + row, 0.0f);
      for (int i = -radius; i <= radius; ++i) {
        const float k = kernel[static_cast<size_t>(i + radius)];
        if (horizontal) {
          const float* source = &in[static_cast<size_t>(y) * row];
          for (int x = 0; x < size; ++x) {
            const size_t from = static_cast<size_t>(std::clamp(x + i, 0, size - 1)) * 3;
            for (int c = 0; c < 3; ++c) o[static_cast<size_t>(x) * 3 + c] += k * source[from + c];
          }
        } else {
          const float* source = &in[static_cast<size_t>(std::clamp(y + i, 0, size - 1)) * row];
          for (size_t j = 0; j < row; ++j) o[j] += k * source[j];
        }
      }
    }
  };
  std::vector<float> temporary(rgb.size());
  pass(rgb, temporary, true);
  pass(temporary, rgb, false);
}

void add_noise(std::vector<float>& rgb, HashStream& random, float sigma) {
  if (sigma <= 0) return;
  for (float& v : rgb) v += sigma * random.gaussian();
}

void jpeg_artefacts(std::vector<float>& rgb, int size, int quality) {
  const size_t pixels = static_cast<size_t>(size) * size;
  std::array<std::vector<float>, 3> planes;
  for (auto& p : planes) p.resize(pixels);
  for (size_t i = 0; i < pixels; ++i) {
    const float r = 255 * rgb[i * 3], g = 255 * rgb[i * 3 + 1], b = 255 * rgb[i * 3 + 2];
    planes[0][i] = 0.299f * r + 0.587f * g + 0.114f * b - 128;
    planes[1][i] = -0.168736f * r - 0.331264f * g + 0.5f * b;
    planes[2][i] = 0.5f * r - 0.418688f * g - 0.081312f * b;
  }
  for (int p = 1; p < 3; ++p) {
    for (int y = 0; y < size; y += 2) {
      for (int x = 0; x < size; x += 2) {
        const int x1 = std::min(x + 1, size - 1), y1 = std::min(y + 1, size - 1);
        auto& plane = planes[static_cast<size_t>(p)];
        const auto at = [&](int yy, int xx) -> float& {
          return plane[static_cast<size_t>(yy) * size + xx];
        };
        const float mean = 0.25f * (at(y, x) + at(y, x1) + at(y1, x) + at(y1, x1));
        at(y, x) = at(y, x1) = at(y1, x) = at(y1, x1) = mean;
      }
    }
  }

  const auto basis = dct_basis();
  const Block luma = scaled_table(kLumaTable, quality),
              chroma = scaled_table(kChromaTable, quality);
  for (int p = 0; p < 3; ++p) {
    auto& plane = planes[static_cast<size_t>(p)];
    for (int by = 0; by < size; by += 8) {
      for (int bx = 0; bx < size; bx += 8) {
        // Partial blocks at the border are padded by repeating the edge, as encoders do.
        Block block;
        for (int y = 0; y < 8; ++y) {
          for (int x = 0; x < 8; ++x) {
            const int sy = std::min(by + y, size - 1), sx = std::min(bx + x, size - 1);
            block[static_cast<size_t>(y * 8 + x)] = plane[static_cast<size_t>(sy) * size + sx];
          }
        }
        quantise_block(block, p == 0 ? luma : chroma, basis);
        for (int y = 0; y < 8 && by + y < size; ++y) {
          for (int x = 0; x < 8 && bx + x < size; ++x) {
            plane[static_cast<size_t>(by + y) * size + bx + x] =
                block[static_cast<size_t>(y * 8 + x)];
          }
        }
      }
    }
  }
  for (size_t i = 0; i < pixels; ++i) {
    const float luma_value = planes[0][i] + 128, cb = planes[1][i], cr = planes[2][i];
    rgb[i * 3] = (luma_value + 1.402f * cr) / 255;
    rgb[i * 3 + 1] = (luma_value - 0.344136f * cb - 0.714136f * cr) / 255;
    rgb[i * 3 + 2] = (luma_value + 1.772f * cb) / 255;
  }
}

void clamp_unit(std::vector<float>& values) {
  for (float& v : values) v = std::clamp(v, 0.0f, 1.0f);
}

}  // namespace visage::synthetic

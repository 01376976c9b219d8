#include "layers/winograd.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace visage::cpu {

namespace {

// The transforms are applied along one axis of a tile and then the other. The four rows of
// tiles are worked on as whole rows of tile values, one value per tile, so that every loop below
// runs over the tiles of a row and vectorises.
using Rows4 = std::array<std::vector<float>, 4>;

Rows4 rows_of(int64_t width) {
  return {std::vector<float>(width), std::vector<float>(width), std::vector<float>(width),
          std::vector<float>(width)};
}

// A tile row's place in a block: the block's column of its first tile.
int64_t first_column(int64_t image, int64_t row, int64_t first_row, int64_t last_row,
                     int64_t tiles_w) {
  return (image * (last_row - first_row) + row - first_row) * tiles_w;
}

}  // namespace

bool winograd_applies(const WindowGeometry& g, int64_t group) {
  // The transforms run along rows of tiles; below 6 tiles a row their overhead eats what the
  // GEMMs save (NN2's 7x7 inception layers took as long as with im2col, backward 10% longer).
  constexpr int64_t kLeastWidth = 11;
  return g.kernel_h == 3 && g.kernel_w == 3 && g.stride_h == 1 && g.stride_w == 1 &&
         g.dilation_h == 1 && g.dilation_w == 1 && group == 1 && g.out_w() >= kLeastWidth;
}

WinogradTiles winograd_tiles(const WindowGeometry& g) {
  return {(g.out_h() + 1) / 2, (g.out_w() + 1) / 2};
}

// The filter transforms go through blocks of filters, so that each of the 16 matrices of u is
// written (or read) a run of kFilterBlock values at a time, not one value in 16 places per filter.
constexpr int64_t kFilterBlock = 256;

// G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
void winograd_filters(const float* weights, int64_t outputs, int64_t channels, float* u) {
  const int64_t pairs = outputs * channels;
  const int64_t pitch = winograd_pitch(outputs, channels);
  std::array<std::array<float, kFilterBlock>, 16> block{};
  for (int64_t first = 0; first < pairs; first += kFilterBlock) {
    const int64_t size = std::min(kFilterBlock, pairs - first);
    for (int64_t pair = 0; pair < size; ++pair) {
      const float* g = weights + (first + pair) * 9;
      std::array<float, 12> rows{};  // G g: 4 x 3
      for (int x = 0; x < 3; ++x) {
        rows[x] = g[x];
        rows[3 + x] = 0.5f * (g[x] + g[3 + x] + g[6 + x]);
        rows[6 + x] = 0.5f * (g[x] - g[3 + x] + g[6 + x]);
        rows[9 + x] = g[6 + x];
      }
      for (int i = 0; i < 4; ++i) {
        const float* r = &rows[i * 3];
        block[i * 4][pair] = r[0];
        block[i * 4 + 1][pair] = 0.5f * (r[0] + r[1] + r[2]);
        block[i * 4 + 2][pair] = 0.5f * (r[0] - r[1] + r[2]);
        block[i * 4 + 3][pair] = r[2];
      }
    }
    for (int position = 0; position < 16; ++position) {
      std::copy_n(block[position].begin(), size, u + position * pitch + first);
    }
  }
}

// G^T = [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1].
void winograd_filters_adjoint(const float* du, int64_t outputs, int64_t channels,
                              float* weights_diff) {
  const int64_t pairs = outputs * channels;
  const int64_t pitch = winograd_pitch(outputs, channels);
  std::array<std::array<float, kFilterBlock>, 16> block{};
  for (int64_t first = 0; first < pairs; first += kFilterBlock) {
    const int64_t size = std::min(kFilterBlock, pairs - first);
    for (int position = 0; position < 16; ++position) {
      std::copy_n(du + position * pitch + first, size, block[position].begin());
    }
    for (int64_t pair = 0; pair < size; ++pair) {
      std::array<float, 12> rows{};  // du G: 4 x 3
      for (int i = 0; i < 4; ++i) {
        const float d0 = block[i * 4][pair], d1 = block[i * 4 + 1][pair];
        const float d2 = block[i * 4 + 2][pair], d3 = block[i * 4 + 3][pair];
        rows[i * 3] = d0 + 0.5f * (d1 + d2);
        rows[i * 3 + 1] = 0.5f * (d1 - d2);
        rows[i * 3 + 2] = 0.5f * (d1 + d2) + d3;
      }
      float* dg = weights_diff + (first + pair) * 9;
      for (int x = 0; x < 3; ++x) {
        dg[x] += rows[x] + 0.5f * (rows[3 + x] + rows[6 + x]);
        dg[3 + x] += 0.5f * (rows[3 + x] - rows[6 + x]);
        dg[6 + x] += 0.5f * (rows[3 + x] + rows[6 + x]) + rows[9 + x];
      }
    }
  }
}

// B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], down the tile's rows, then along them.
void winograd_inputs(const WindowGeometry& g, const float* images, int64_t count, int64_t first_row,
                     int64_t last_row, float* v) {
  const auto [tiles_h, tiles_w] = winograd_tiles(g);
  const int64_t columns = count * (last_row - first_row) * tiles_w;
  const int64_t pitch = winograd_pitch(g.channels, columns);
  const int64_t padded_w = 2 * tiles_w + 2;
  const int64_t height = g.height, width = g.width, channels = g.channels;
  // The image's columns sit at [pad_w, pad_w + width) of a padded row (tiles_w >= (width + 2 *
  // pad_w - 2) / 2 makes it at least width + 2 * pad_w long). Only those columns of `down` are
  // written: the others stay 0. Rows above or below the image read `zeros`.
  Rows4 down = rows_of(padded_w);
  const std::vector<float> zeros(width);
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t c = 0; c < channels; ++c) {
      const float* plane = images + (i * channels + c) * height * width;
      for (int64_t row = first_row; row < last_row; ++row) {
        std::array<const float*, 4> in{};
        for (int64_t k = 0; k < 4; ++k) {
          const int64_t y = 2 * row + k - g.pad_h;
          in[k] = y >= 0 && y < height ? plane + y * width : zeros.data();
        }
        const float *r0 = in[0], *r1 = in[1], *r2 = in[2], *r3 = in[3];
        float *t0 = down[0].data() + g.pad_w, *t1 = down[1].data() + g.pad_w,
              *t2 = down[2].data() + g.pad_w, *t3 = down[3].data() + g.pad_w;
        // One result per loop: GCC vectorises a loop only if it can rule out few enough overlaps.
        for (int64_t x = 0; x < width; ++x) t0[x] = r0[x] - r2[x];
        for (int64_t x = 0; x < width; ++x) t1[x] = r1[x] + r2[x];
        for (int64_t x = 0; x < width; ++x) t2[x] = r2[x] - r1[x];
        for (int64_t x = 0; x < width; ++x) t3[x] = r1[x] - r3[x];
        const int64_t column = first_column(i, row, first_row, last_row, tiles_w);
        for (int64_t k = 0; k < 4; ++k) {
          const float* t = down[k].data();
          float* v0 = v + k * 4 * pitch + c * columns + column;
          float* v1 = v0 + pitch;
          float* v2 = v1 + pitch;
          float* v3 = v2 + pitch;
          for (int64_t tile = 0; tile < tiles_w; ++tile) {
            const float a = t[2 * tile], b = t[2 * tile + 1], d = t[2 * tile + 2],
                        e = t[2 * tile + 3];
            v0[tile] = a - d;
            v1[tile] = b + d;
            v2[tile] = d - b;
            v3[tile] = b - e;
          }
        }
      }
    }
  }
}

// B = (B^T)^T, along each tile row and then down the tile; overlapping tiles add up.
void winograd_inputs_adjoint(const WindowGeometry& g, const float* dv, int64_t count,
                             int64_t first_row, int64_t last_row, float* images_diff) {
  const auto [tiles_h, tiles_w] = winograd_tiles(g);
  const int64_t columns = count * (last_row - first_row) * tiles_w;
  const int64_t pitch = winograd_pitch(g.channels, columns);
  const int64_t padded_w = 2 * tiles_w + 2;
  const int64_t height = g.height, width = g.width, channels = g.channels;
  Rows4 across = rows_of(tiles_w), out = rows_of(padded_w);
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t c = 0; c < channels; ++c) {
      float* plane = images_diff + (i * channels + c) * height * width;
      for (int64_t row = first_row; row < last_row; ++row) {
        const int64_t column = first_column(i, row, first_row, last_row, tiles_w);
        // dv[i][j] for the tiles of the row, rows i of the tile first.
        const auto at = [&](int64_t position) {
          return dv + position * pitch + c * columns + column;
        };
        for (int64_t k = 0; k < 4; ++k) {
          // Row k of B dv: combine the tile's rows.
          for (int64_t j = 0; j < 4; ++j) {
            const float *d0 = at(j), *d1 = at(4 + j), *d2 = at(8 + j), *d3 = at(12 + j);
            float* f = across[j].data();
            if (k == 0) {
              std::copy_n(d0, tiles_w, f);
            } else if (k == 1) {
              for (int64_t tile = 0; tile < tiles_w; ++tile)
                f[tile] = d1[tile] - d2[tile] + d3[tile];
            } else if (k == 2) {
              for (int64_t tile = 0; tile < tiles_w; ++tile)
                f[tile] = d1[tile] + d2[tile] - d0[tile];
            } else {
              for (int64_t tile = 0; tile < tiles_w; ++tile) f[tile] = -d3[tile];
            }
          }
          // Then times B^T along the row, adding the tiles' overlapping columns.
          const float *f0 = across[0].data(), *f1 = across[1].data(), *f2 = across[2].data(),
                      *f3 = across[3].data();
          float* o = out[k].data();
          for (int64_t tile = 0; tile < tiles_w; ++tile) {
            o[2 * tile] = f0[tile];
            o[2 * tile + 1] = f1[tile] - f2[tile] + f3[tile];
          }
          o[padded_w - 2] = 0.0f;
          o[padded_w - 1] = 0.0f;
          for (int64_t tile = 0; tile < tiles_w; ++tile) {
            o[2 * tile + 2] += f1[tile] + f2[tile] - f0[tile];
            o[2 * tile + 3] -= f3[tile];
          }
          const int64_t y = 2 * row + k - g.pad_h;
          if (y < 0 || y >= height) continue;
          float* image_row = plane + y * width;
          for (int64_t x = 0; x < width; ++x) image_row[x] += o[x + g.pad_w];
        }
      }
    }
  }
}

// A^T = [1 1 1 0; 0 1 -1 -1], down the tile, then along its rows.
void winograd_outputs(const WindowGeometry& g, const float* m, int64_t outputs, int64_t count,
                      int64_t first_row, int64_t last_row, const float* bias, float* out) {
  const auto [tiles_h, tiles_w] = winograd_tiles(g);
  const int64_t columns = count * (last_row - first_row) * tiles_w;
  const int64_t pitch = winograd_pitch(outputs, columns);
  const int64_t out_h = g.out_h(), out_w = g.out_w();
  const int64_t whole = out_w / 2;  // tiles with both columns inside; an odd width has one more
  Rows4 down = rows_of(tiles_w);
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t o = 0; o < outputs; ++o) {
      float* plane = out + (i * outputs + o) * out_h * out_w;
      const float b = bias != nullptr ? bias[o] : 0.0f;
      for (int64_t row = first_row; row < last_row; ++row) {
        const int64_t column = first_column(i, row, first_row, last_row, tiles_w);
        const auto at = [&](int64_t position) {
          return m + position * pitch + o * columns + column;
        };
        for (int64_t a = 0; a < 2 && 2 * row + a < out_h; ++a) {
          for (int64_t j = 0; j < 4; ++j) {
            const float *m0 = at(j), *m1 = at(4 + j), *m2 = at(8 + j), *m3 = at(12 + j);
            float* s = down[j].data();
            if (a == 0) {
              for (int64_t tile = 0; tile < tiles_w; ++tile)
                s[tile] = m0[tile] + m1[tile] + m2[tile];
            } else {
              for (int64_t tile = 0; tile < tiles_w; ++tile)
                s[tile] = m1[tile] - m2[tile] - m3[tile];
            }
          }
          const float *s0 = down[0].data(), *s1 = down[1].data(), *s2 = down[2].data(),
                      *s3 = down[3].data();
          float* y = plane + (2 * row + a) * out_w;
          for (int64_t tile = 0; tile < whole; ++tile) {
            y[2 * tile] = s0[tile] + s1[tile] + s2[tile] + b;
            y[2 * tile + 1] = s1[tile] - s2[tile] - s3[tile] + b;
          }
          if (whole < tiles_w) y[2 * whole] = s0[whole] + s1[whole] + s2[whole] + b;
        }
      }
    }
  }
}

// A = (A^T)^T: along the 2x2 block's rows, then down.
void winograd_outputs_adjoint(const WindowGeometry& g, const float* out_diff, int64_t outputs,
                              int64_t count, int64_t first_row, int64_t last_row, float* dm) {
  const auto [tiles_h, tiles_w] = winograd_tiles(g);
  const int64_t columns = count * (last_row - first_row) * tiles_w;
  const int64_t pitch = winograd_pitch(outputs, columns);
  const int64_t out_h = g.out_h(), out_w = g.out_w();
  const int64_t whole = out_w / 2;  // tiles with both columns inside; an odd width has one more
  std::array<Rows4, 2> across = {rows_of(tiles_w), rows_of(tiles_w)};
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t o = 0; o < outputs; ++o) {
      const float* plane = out_diff + (i * outputs + o) * out_h * out_w;
      for (int64_t row = first_row; row < last_row; ++row) {
        for (int64_t a = 0; a < 2; ++a) {
          float *h0 = across[a][0].data(), *h1 = across[a][1].data(), *h2 = across[a][2].data(),
                *h3 = across[a][3].data();
          if (2 * row + a >= out_h) {  // past the last row: dy = 0
            for (auto& h : across[a]) std::ranges::fill(h, 0.0f);
            continue;
          }
          const float* y = plane + (2 * row + a) * out_w;
          for (int64_t tile = 0; tile < whole; ++tile) {
            const float y0 = y[2 * tile], y1 = y[2 * tile + 1];
            h0[tile] = y0;
            h1[tile] = y0 + y1;
            h2[tile] = y0 - y1;
            h3[tile] = -y1;
          }
          if (whole < tiles_w) {  // the last column's right neighbour is past the edge
            h0[whole] = h1[whole] = h2[whole] = y[2 * whole];
            h3[whole] = 0.0f;
          }
        }
        const int64_t column = first_column(i, row, first_row, last_row, tiles_w);
        for (int64_t j = 0; j < 4; ++j) {
          const float *top = across[0][j].data(), *bottom = across[1][j].data();
          float* d0 = dm + j * pitch + o * columns + column;
          float* d1 = d0 + 4 * pitch;
          float* d2 = d1 + 4 * pitch;
          float* d3 = d2 + 4 * pitch;
          std::copy_n(top, tiles_w, d0);
          for (int64_t tile = 0; tile < tiles_w; ++tile) d1[tile] = top[tile] + bottom[tile];
          for (int64_t tile = 0; tile < tiles_w; ++tile) d2[tile] = top[tile] - bottom[tile];
          for (int64_t tile = 0; tile < tiles_w; ++tile) d3[tile] = -bottom[tile];
        }
      }
    }
  }
}

}  // namespace visage::cpu

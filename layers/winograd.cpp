#include "layers/winograd.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace visage::cpu {

namespace {

template <int Rows, int Cols>
using Matrix = std::array<std::array<float, Cols>, Rows>;

template <int Rows, int Cols>
constexpr Matrix<Cols, Rows> transpose(const Matrix<Rows, Cols>& m) {
  Matrix<Cols, Rows> t{};
  for (int r = 0; r < Rows; ++r) {
    for (int c = 0; c < Cols; ++c) t[c][r] = m[r][c];
  }
  return t;
}

// The transforms of F(M x M, R x R): an M x M block of outputs from an N x N input tile
// (N = M + R - 1) as A^T [(G g G^T) . (B^T d B)] A. Lavin and Gray's matrices (Toom-Cook), from
// the points 0, +-1 and infinity for N = 4, and 0, +-1, +-2 and infinity for N = 6, where
// F(4x4, 3x3) and F(2x2, 5x5) share B^T. Each function applies them along one axis of a tile and
// then the other.
template <int M, int R>
struct Transforms;

template <>
struct Transforms<2, 3> {
  static constexpr Matrix<4, 4> BT = {{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}}};
  static constexpr Matrix<4, 3> G = {
      {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}}};
  static constexpr Matrix<2, 4> AT = {{{1, 1, 1, 0}, {0, 1, -1, -1}}};
};

constexpr Matrix<6, 6> kSixPointBT = {{{4, 0, -5, 0, 1, 0},
                                       {0, -4, -4, 1, 1, 0},
                                       {0, 4, -4, -1, 1, 0},
                                       {0, -2, -1, 2, 1, 0},
                                       {0, 2, -1, -2, 1, 0},
                                       {0, 4, 0, -5, 0, 1}}};

template <>
struct Transforms<4, 3> {
  static constexpr Matrix<6, 6> BT = kSixPointBT;
  static constexpr Matrix<6, 3> G = {{{1.0f / 4, 0, 0},
                                      {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                                      {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                                      {1.0f / 24, 1.0f / 12, 1.0f / 6},
                                      {1.0f / 24, -1.0f / 12, 1.0f / 6},
                                      {0, 0, 1}}};
  static constexpr Matrix<4, 6> AT = {
      {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}}};
};

template <>
struct Transforms<2, 5> {
  static constexpr Matrix<6, 6> BT = kSixPointBT;
  static constexpr Matrix<6, 5> G = {{{1.0f / 4, 0, 0, 0, 0},
                                      {-1.0f / 6, -1.0f / 6, -1.0f / 6, -1.0f / 6, -1.0f / 6},
                                      {-1.0f / 6, 1.0f / 6, -1.0f / 6, 1.0f / 6, -1.0f / 6},
                                      {1.0f / 24, 1.0f / 12, 1.0f / 6, 1.0f / 3, 2.0f / 3},
                                      {1.0f / 24, -1.0f / 12, 1.0f / 6, -1.0f / 3, 2.0f / 3},
                                      {0, 0, 0, 0, 1}}};
  static constexpr Matrix<2, 6> AT = {{{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 1}}};
};

// The matrices and their transposes as template arguments, for `combine`.
template <int M, int R>
struct Matrices {
  using T = Transforms<M, R>;
  static constexpr int N = M + R - 1;
  static constexpr auto BT = T::BT;
  static constexpr auto B = transpose<N, N>(T::BT);
  static constexpr auto G = T::G;
  static constexpr auto GT = transpose<N, R>(T::G);
  static constexpr auto AT = T::AT;
  static constexpr auto A = transpose<M, N>(T::AT);
};

// sum over l of T[Row][l] * x(l), the zero entries left out at compile time; x(l) is called only
// for the others. Unrolled, so that the loops over tiles around it vectorise.
template <const auto& T, int Row, typename X, int... L>
float combine(X&& x, std::integer_sequence<int, L...>) {
  float sum = 0.0f;
  ((T[Row][L] != 0 ? (void)(sum += T[Row][L] * x(L)) : void()), ...);
  return sum;
}

template <const auto& T, int Row, typename X>
float combine(X&& x) {
  constexpr int cols = static_cast<int>(T[0].size());
  return combine<T, Row>(x, std::make_integer_sequence<int, cols>{});
}

// Calls f(std::integral_constant<int, I>) for I in [0, Count).
template <int Count, typename F>
void for_each_index(F&& f) {
  [&]<int... I>(std::integer_sequence<int, I...>) { (f(std::integral_constant<int, I>{}), ...); }
  (std::make_integer_sequence<int, Count>{});
}

template <bool Relu>
float finish(float v) {
  return Relu ? std::max(v, 0.0f) : v;
}

// A block of `count` images' tile rows [first_row, last_row): tiles_w tiles a row, `columns` in
// all, and each of its matrices (`rows` x columns) `pitch` floats after the previous.
struct BlockLayout {
  int64_t tiles_w, columns, pitch;
};

BlockLayout block_layout(const WindowGeometry& g, int m, int64_t count, int64_t first_row,
                         int64_t last_row, int64_t rows) {
  const int64_t tiles_w = winograd_tiles(g, m).cols;
  const int64_t columns = count * (last_row - first_row) * tiles_w;
  return {tiles_w, columns, winograd_pitch(rows, columns)};
}

// A tile row's place in a block: the block's column of its first tile.
int64_t first_column(int64_t image, int64_t row, int64_t first_row, int64_t last_row,
                     int64_t tiles_w) {
  return (image * (last_row - first_row) + row - first_row) * tiles_w;
}

// The filter transforms go through blocks of filters, so that each of the N^2 matrices of u is
// written (or read) a run of kFilterBlock values at a time, not one value in N^2 places per
// filter.
constexpr int64_t kFilterBlock = 256;

template <int M, int R>
void filters(const float* weights, int64_t outputs, int64_t channels, float* u) {
  using T = Matrices<M, R>;
  constexpr int N = T::N;
  const int64_t pairs = outputs * channels;
  const int64_t pitch = winograd_pitch(outputs, channels);
  std::vector<std::array<float, kFilterBlock>> block(N * N);
  for (int64_t first = 0; first < pairs; first += kFilterBlock) {
    const int64_t size = std::min(kFilterBlock, pairs - first);
    for (int64_t pair = 0; pair < size; ++pair) {
      const float* g = weights + (first + pair) * R * R;
      Matrix<N, R> rows{};  // G g
      for_each_index<N>([&](auto i) {
        for (int x = 0; x < R; ++x)
          rows[i][x] = combine<T::G, i>([&](int k) { return g[k * R + x]; });
      });
      for_each_index<N>([&](auto i) {
        for_each_index<N>([&](auto j) {
          block[i * N + j][pair] = combine<T::G, j>([&](int k) { return rows[i][k]; });
        });
      });
    }
    for (int position = 0; position < N * N; ++position) {
      std::copy_n(block[position].begin(), size, u + position * pitch + first);
    }
  }
}

template <int M, int R>
void filters_adjoint(const float* du, int64_t outputs, int64_t channels, float* weights_diff) {
  using T = Matrices<M, R>;
  constexpr int N = T::N;
  const int64_t pairs = outputs * channels;
  const int64_t pitch = winograd_pitch(outputs, channels);
  std::vector<std::array<float, kFilterBlock>> block(N * N);
  for (int64_t first = 0; first < pairs; first += kFilterBlock) {
    const int64_t size = std::min(kFilterBlock, pairs - first);
    for (int position = 0; position < N * N; ++position) {
      std::copy_n(du + position * pitch + first, size, block[position].begin());
    }
    for (int64_t pair = 0; pair < size; ++pair) {
      Matrix<N, R> rows{};  // du G
      for_each_index<N>([&](auto i) {
        for_each_index<R>([&](auto x) {
          rows[i][x] = combine<T::GT, x>([&](int j) { return block[i * N + j][pair]; });
        });
      });
      float* dg = weights_diff + (first + pair) * R * R;
      for_each_index<R>([&](auto k) {
        for (int x = 0; x < R; ++x)
          dg[k * R + x] += combine<T::GT, k>([&](int i) { return rows[i][x]; });
      });
    }
  }
}

template <int M, int R>
void inputs(const WindowGeometry& g, const float* images, int64_t count, int64_t first_row,
            int64_t last_row, float* v) {
  using T = Matrices<M, R>;
  constexpr int N = T::N;
  const BlockLayout layout = block_layout(g, M, count, first_row, last_row, g.channels);
  const int64_t tiles_w = layout.tiles_w, columns = layout.columns, pitch = layout.pitch;
  const int64_t padded_w = M * tiles_w + R - 1;
  const int64_t height = g.height, width = g.width, channels = g.channels;
  // The image's columns sit at [pad_w, pad_w + width) of a padded row. Only those columns of
  // `down` are written: the others stay 0. Rows above or below the image read `zeros`.
  std::vector<std::vector<float>> down(N, std::vector<float>(padded_w));
  const std::vector<float> zeros(width);
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t c = 0; c < channels; ++c) {
      const float* plane = images + (i * channels + c) * height * width;
      for (int64_t row = first_row; row < last_row; ++row) {
        std::array<const float*, N> in{};
        for (int k = 0; k < N; ++k) {
          const int64_t y = M * row + k - g.pad_h;
          in[k] = y >= 0 && y < height ? plane + y * width : zeros.data();
        }
        // B^T down the tile's rows, one result row per loop.
        for_each_index<N>([&](auto r) {
          float* __restrict t = down[r].data() + g.pad_w;
          for (int64_t x = 0; x < width; ++x) {
            t[x] = combine<T::BT, r>([&](int k) { return in[k][x]; });
          }
        });
        // Then along them.
        const int64_t column = first_column(i, row, first_row, last_row, tiles_w);
        for (int r = 0; r < N; ++r) {
          const float* t = down[r].data();
          for_each_index<N>([&](auto j) {
            float* __restrict out = v + (r * N + j) * pitch + c * columns + column;
            for (int64_t tile = 0; tile < tiles_w; ++tile) {
              out[tile] = combine<T::BT, j>([&](int l) { return t[M * tile + l]; });
            }
          });
        }
      }
    }
  }
}

template <int M, int R>
void inputs_adjoint(const WindowGeometry& g, const float* dv, int64_t count, int64_t first_row,
                    int64_t last_row, float* images_diff) {
  using T = Matrices<M, R>;
  constexpr int N = T::N;
  const BlockLayout layout = block_layout(g, M, count, first_row, last_row, g.channels);
  const int64_t tiles_w = layout.tiles_w, columns = layout.columns, pitch = layout.pitch;
  const int64_t padded_w = M * tiles_w + R - 1;
  const int64_t height = g.height, width = g.width, channels = g.channels;
  std::vector<std::vector<float>> across(N, std::vector<float>(tiles_w));
  std::vector<float> out(padded_w);
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t c = 0; c < channels; ++c) {
      float* plane = images_diff + (i * channels + c) * height * width;
      for (int64_t row = first_row; row < last_row; ++row) {
        const int64_t column = first_column(i, row, first_row, last_row, tiles_w);
        const auto at = [&](int64_t position) {
          return dv + position * pitch + c * columns + column;
        };
        for_each_index<N>([&](auto k) {
          // Row k of B dv: combine the tile's rows.
          for (int l = 0; l < N; ++l) {
            float* __restrict f = across[l].data();
            for (int64_t tile = 0; tile < tiles_w; ++tile) {
              f[tile] = combine<T::B, k>([&](int r) { return at(r * N + l)[tile]; });
            }
          }
          // Then times B^T along the row: each tile's first M columns, then its last N - M,
          // which are the next tiles' first (added one column at a time, as tiles overlap).
          float* __restrict o = out.data();
          for (int64_t tile = 0; tile < tiles_w; ++tile) {
            for_each_index<M>([&](auto x) {
              o[M * tile + x] = combine<T::B, x>([&](int l) { return across[l][tile]; });
            });
          }
          std::fill(o + M * tiles_w, o + padded_w, 0.0f);
          for_each_index<N - M>([&](auto x) {
            for (int64_t tile = 0; tile < tiles_w; ++tile) {
              o[M * tile + M + x] += combine<T::B, M + x>([&](int l) { return across[l][tile]; });
            }
          });
          const int64_t y = M * row + k - g.pad_h;
          if (y < 0 || y >= height) return;
          float* image_row = plane + y * width;
          for (int64_t x = 0; x < width; ++x) image_row[x] += o[x + g.pad_w];
        });
      }
    }
  }
}

// Relu: clamped at 0 (std::max(v, 0.0f): ReLU's values exactly).
template <int M, int R, bool Relu>
void outputs(const WindowGeometry& g, const float* m, int64_t outputs, int64_t count,
             int64_t first_row, int64_t last_row, const float* bias, float* out) {
  using T = Matrices<M, R>;
  constexpr int N = T::N;
  const BlockLayout layout = block_layout(g, M, count, first_row, last_row, outputs);
  const int64_t tiles_w = layout.tiles_w, columns = layout.columns, pitch = layout.pitch;
  const int64_t out_h = g.out_h(), out_w = g.out_w();
  const int64_t whole = out_w / M;  // tiles with all M columns inside
  std::vector<std::vector<float>> down(N, std::vector<float>(tiles_w));
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t o = 0; o < outputs; ++o) {
      float* plane = out + (i * outputs + o) * out_h * out_w;
      const float b = bias != nullptr ? bias[o] : 0.0f;
      for (int64_t row = first_row; row < last_row; ++row) {
        const int64_t column = first_column(i, row, first_row, last_row, tiles_w);
        const auto at = [&](int64_t position) {
          return m + position * pitch + o * columns + column;
        };
        for_each_index<M>([&](auto a) {
          if (M * row + a >= out_h) return;
          // A^T down the tile...
          for (int j = 0; j < N; ++j) {
            float* __restrict s = down[j].data();
            for (int64_t tile = 0; tile < tiles_w; ++tile) {
              s[tile] = combine<T::AT, a>([&](int r) { return at(r * N + j)[tile]; });
            }
          }
          // ... then along its rows.
          float* __restrict y = plane + (M * row + a) * out_w;
          for (int64_t tile = 0; tile < whole; ++tile) {
            for_each_index<M>([&](auto x) {
              y[M * tile + x] =
                  finish<Relu>(combine<T::AT, x>([&](int j) { return down[j][tile]; }) + b);
            });
          }
          for_each_index<M>([&](auto x) {  // the last tile's columns inside
            if (M * whole + x < out_w) {
              y[M * whole + x] =
                  finish<Relu>(combine<T::AT, x>([&](int j) { return down[j][whole]; }) + b);
            }
          });
        });
      }
    }
  }
}

template <int M, int R>
void outputs_adjoint(const WindowGeometry& g, const float* out_diff, int64_t outputs, int64_t count,
                     int64_t first_row, int64_t last_row, float* dm) {
  using T = Matrices<M, R>;
  constexpr int N = T::N;
  const BlockLayout layout = block_layout(g, M, count, first_row, last_row, outputs);
  const int64_t tiles_w = layout.tiles_w, columns = layout.columns, pitch = layout.pitch;
  const int64_t out_h = g.out_h(), out_w = g.out_w();
  const int64_t whole = out_w / M;  // tiles with all M columns inside
  // across[a][j]: row a of the tile's dy times A, for each tile of the row.
  std::vector<std::vector<float>> across(M * N, std::vector<float>(tiles_w));
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t o = 0; o < outputs; ++o) {
      const float* plane = out_diff + (i * outputs + o) * out_h * out_w;
      for (int64_t row = first_row; row < last_row; ++row) {
        for (int a = 0; a < M; ++a) {
          if (M * row + a >= out_h) {  // past the last row: dy = 0
            for (int j = 0; j < N; ++j) std::ranges::fill(across[a * N + j], 0.0f);
            continue;
          }
          const float* y = plane + (M * row + a) * out_w;
          for_each_index<N>([&](auto j) {
            float* __restrict h = across[a * N + j].data();
            for (int64_t tile = 0; tile < whole; ++tile) {
              h[tile] = combine<T::A, j>([&](int x) { return y[M * tile + x]; });
            }
            if (whole < tiles_w) {  // columns past the edge read dy = 0
              h[whole] = combine<T::A, j>(
                  [&](int x) { return M * whole + x < out_w ? y[M * whole + x] : 0.0f; });
            }
          });
        }
        const int64_t column = first_column(i, row, first_row, last_row, tiles_w);
        for_each_index<N>([&](auto r) {
          for (int j = 0; j < N; ++j) {
            float* __restrict d = dm + (r * N + j) * pitch + o * columns + column;
            for (int64_t tile = 0; tile < tiles_w; ++tile) {
              d[tile] = combine<T::A, r>([&](int a) { return across[a * N + j][tile]; });
            }
          }
        });
      }
    }
  }
}

}  // namespace

int winograd_tile(const WindowGeometry& g, int64_t group) {
  const bool square = g.kernel_h == g.kernel_w && (g.kernel_h == 3 || g.kernel_h == 5);
  if (!square || g.stride_h != 1 || g.stride_w != 1 || g.dilation_h != 1 || g.dilation_w != 1 ||
      group != 1) {
    return 0;
  }
  // The transforms run along rows of tiles; below 6 tiles a row their overhead eats what the
  // GEMMs save. NN2, batch 16, forward + backward: its 7x7 inception layers took as long with
  // F(2x2, 3x3) as with im2col (backward 10% longer); its 14x14 ones as long with F(4x4, 3x3) as
  // with F(2x2, 3x3), whose rounding is closer to the direct sums; from 28x28 up F(4x4, 3x3) is
  // faster (conv2, 56x56: 91 -> 66 ms; inception_3a: 25 -> 21 ms).
  constexpr int64_t kLeastTiles = 6;
  const int64_t width = g.out_w();
  if (g.kernel_h == 3 && width > 4 * (kLeastTiles - 1)) return 4;
  if (width > 2 * (kLeastTiles - 1)) return 2;
  return 0;
}

int64_t winograd_positions(const WindowGeometry& g, int m) {
  const int64_t n = m + g.kernel_h - 1;
  return n * n;
}

WinogradTiles winograd_tiles(const WindowGeometry& g, int m) {
  return {(g.out_h() + m - 1) / m, (g.out_w() + m - 1) / m};
}

// Each entry point runs the transforms of its tile and kernel: F(2x2, 3x3), F(4x4, 3x3) or
// F(2x2, 5x5).
template <typename Call>
void with_transforms(int m, const WindowGeometry& g, Call&& call) {
  using std::integral_constant;
  if (g.kernel_h == 5) {
    call(integral_constant<int, 2>{}, integral_constant<int, 5>{});
  } else if (m == 4) {
    call(integral_constant<int, 4>{}, integral_constant<int, 3>{});
  } else {
    call(integral_constant<int, 2>{}, integral_constant<int, 3>{});
  }
}

void winograd_filters(int m, const WindowGeometry& g, const float* weights, int64_t outputs,
                      float* u) {
  with_transforms(m, g, [&](auto tile, auto kernel) {
    filters<tile, kernel>(weights, outputs, g.channels, u);
  });
}

void winograd_filters_adjoint(int m, const WindowGeometry& g, const float* du, int64_t outputs,
                              float* weights_diff) {
  with_transforms(m, g, [&](auto tile, auto kernel) {
    filters_adjoint<tile, kernel>(du, outputs, g.channels, weights_diff);
  });
}

void winograd_inputs(int m, const WindowGeometry& g, const float* images, int64_t count,
                     int64_t first_row, int64_t last_row, float* v) {
  with_transforms(m, g, [&](auto tile, auto kernel) {
    inputs<tile, kernel>(g, images, count, first_row, last_row, v);
  });
}

void winograd_inputs_adjoint(int m, const WindowGeometry& g, const float* dv, int64_t count,
                             int64_t first_row, int64_t last_row, float* images_diff) {
  with_transforms(m, g, [&](auto tile, auto kernel) {
    inputs_adjoint<tile, kernel>(g, dv, count, first_row, last_row, images_diff);
  });
}

void winograd_outputs(int m, const WindowGeometry& g, const float* products, int64_t outputs,
                      int64_t count, int64_t first_row, int64_t last_row, const float* bias,
                      bool relu, float* out) {
  with_transforms(m, g, [&](auto tile, auto kernel) {
    if (relu) {
      cpu::outputs<tile, kernel, true>(g, products, outputs, count, first_row, last_row, bias, out);
    } else {
      cpu::outputs<tile, kernel, false>(g, products, outputs, count, first_row, last_row, bias,
                                        out);
    }
  });
}

void winograd_outputs_adjoint(int m, const WindowGeometry& g, const float* out_diff,
                              int64_t outputs, int64_t count, int64_t first_row, int64_t last_row,
                              float* dm) {
  with_transforms(m, g, [&](auto tile, auto kernel) {
    outputs_adjoint<tile, kernel>(g, out_diff, outputs, count, first_row, last_row, dm);
  });
}

}  // namespace visage::cpu

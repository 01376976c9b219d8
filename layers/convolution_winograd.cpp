// Convolution's CPU passes for 3x3 and 5x5 stride-1 windows, through Winograd's F(m x m, r x r)
// (layers/winograd.hpp). The batch is cut as im2col's passes cut it (layers/convolution.cpp):
// blocks handed to the BLAS threads as they come free, and in backward contiguous slices whose
// parameter gradients are added in slice order, so every run gives the same bits.
#include <algorithm>

#include "core/math.hpp"
#include "layers/convolution.hpp"
#include "layers/sliced_parallel.hpp"
#include "layers/winograd.hpp"

namespace visage {

using cpu::Trans;

namespace {

// Tiles per block, each n^2 (C + O) floats of scratch. Fewer make backward slower: each block
// adds its weight gradient to all of dU (n^2 O C floats). NN1's step with F(2x2) everywhere:
// 53.2 ms per image with 256, 50.6 with 512, 50.2 with 1024.
constexpr int64_t kTargetTiles = 512;
// At most 16 MB of scratch per BLAS thread, and of per-slice gradients in the Winograd domain.
constexpr int64_t kScratchFloats = int64_t{1} << 22;
constexpr int64_t kGradientFloats = int64_t{1} << 22;

// One band of tile rows [row, last) of a block: `columns` tiles, V's matrices (C rows each,
// v_pitch apart) at the start of the worker's scratch and M's (O rows, m_pitch apart) at m.
struct Band {
  int64_t row, last, columns, v_pitch, m_pitch;
  float* m;
};

// Calls body(band) for each band of tile rows of the block of `count` images at `images`, after
// transforming the band's input tiles into v.
template <typename Body>
void for_each_band(int tile, const WindowGeometry& g, int64_t outputs, int64_t band_rows,
                   const float* images, int64_t count, float* v, Body&& body) {
  const auto [tiles_h, tiles_w] = cpu::winograd_tiles(g, tile);
  for (int64_t row = 0; row < tiles_h; row += band_rows) {
    const int64_t last = std::min(row + band_rows, tiles_h);
    const int64_t columns = count * (last - row) * tiles_w;
    const int64_t v_pitch = cpu::winograd_pitch(g.channels, columns);
    cpu::winograd_inputs(tile, g, images, count, row, last, v);
    body(Band{row, last, columns, v_pitch, cpu::winograd_pitch(outputs, columns),
              v + cpu::winograd_positions(g, tile) * v_pitch});
  }
}

}  // namespace

ConvolutionLayer::WinogradPlan ConvolutionLayer::winograd_plan() const {
  const int64_t positions = cpu::winograd_positions(window_, winograd_tile_);
  const auto [tiles_h, tiles_w] = cpu::winograd_tiles(window_, winograd_tile_);
  const int workers = cpu::slice_workers(batch_);
  const int64_t share = std::max<int64_t>((batch_ + workers - 1) / workers, 1);
  // A block of `columns` tiles needs V's and M's matrices, one per tile position.
  const auto scratch = [&](int64_t columns) {
    return positions * (cpu::winograd_pitch(window_.channels, columns) +
                        cpu::winograd_pitch(num_output_, columns));
  };
  const int64_t per_tile = positions * (window_.channels + num_output_);
  const int64_t most_tiles =
      std::max(std::min(kTargetTiles, kScratchFloats / std::max<int64_t>(per_tile, 1)), tiles_w);
  const int64_t per_image = tiles_h * tiles_w;
  if (per_image > most_tiles) {
    // Even bands: 14 tile rows in bands of at most 4 run as 4+4+3+3.
    const int64_t bands = (tiles_h + most_tiles / tiles_w - 1) / (most_tiles / tiles_w);
    const int64_t band_rows = (tiles_h + bands - 1) / bands;
    return {workers, 1, band_rows, scratch(band_rows * tiles_w)};
  }
  const int64_t most = std::clamp<int64_t>(most_tiles / per_image, 1, share);
  const int64_t chunks = (share + most - 1) / most;
  const int64_t chunk = (share + chunks - 1) / chunks;
  return {workers, chunk, tiles_h, scratch(chunk * per_image)};
}

void ConvolutionLayer::forward_winograd(Context& ctx, const float* in, const float* w,
                                        const float* b, float* out) {
  const WinogradPlan plan = winograd_plan();
  const int tile = winograd_tile_;
  const int64_t positions = cpu::winograd_positions(window_, tile);
  const int64_t channels = window_.channels;
  const int64_t u_pitch = cpu::winograd_pitch(num_output_, channels);
  const int64_t filters = positions * u_pitch;
  const int64_t image_size = channels * window_.height * window_.width;
  const int64_t out_size = num_output_ * window_.out_h() * window_.out_w();
  float* u = ctx.host_workspace(filters + plan.workers * plan.scratch);
  float* scratch = u + filters;
  cpu::winograd_filters(tile, window_, w, num_output_, u);

  cpu::run_blocks(batch_, plan.chunk, plan.workers, [&](int64_t first, int64_t end, int worker) {
    const int64_t count = end - first;
    float* v = scratch + worker * plan.scratch;
    for_each_band(tile, window_, num_output_, plan.band_rows, in + first * image_size, count, v,
                  [&](const Band& band) {
                    const auto [row, last, columns, v_pitch, m_pitch, m] = band;
                    for (int64_t position = 0; position < positions; ++position) {
                      cpu::gemm(Trans::no, Trans::no, num_output_, columns, channels, 1.0f,
                                u + position * u_pitch, v + position * v_pitch, 0.0f,
                                m + position * m_pitch);
                    }
                    cpu::winograd_outputs(tile, window_, m, num_output_, count, row, last, b, relu_,
                                          out + first * out_size);
                  });
  });
}

// The weight gradient is summed in the Winograd domain (dU = dM V^T per block) and mapped back
// once, after the slices' sums are added in slice order.
void ConvolutionLayer::backward_winograd(Context& ctx, const float* in, const float* top_diff,
                                         const float* w, float* w_diff, float* b_diff,
                                         float* in_diff) {
  const WinogradPlan plan = winograd_plan();
  const int tile = winograd_tile_;
  const int64_t positions = cpu::winograd_positions(window_, tile);
  const int64_t channels = window_.channels;
  const int64_t u_pitch = cpu::winograd_pitch(num_output_, channels);
  const int64_t filters = positions * u_pitch;
  const int64_t pixels = window_.out_h() * window_.out_w();
  const int64_t image_size = channels * window_.height * window_.width;
  const int64_t out_size = num_output_ * pixels;
  const int64_t private_size = filters + (b_diff != nullptr ? num_output_ : 0);
  const int64_t chunks = (batch_ + plan.chunk - 1) / plan.chunk;
  const int64_t slices = cpu::gradient_slices(chunks, plan.workers, private_size, kGradientFloats);
  float* u = ctx.host_workspace(filters + plan.workers * plan.scratch + slices * private_size);
  float* scratch = u + filters;
  float* sums = scratch + plan.workers * plan.scratch;
  cpu::winograd_filters(tile, window_, w, num_output_, u);

  cpu::run_blocks(slices, 1, plan.workers, [&](int64_t slice, int64_t, int worker) {
    float* du = sums + slice * private_size;
    float* db = b_diff != nullptr ? du + filters : nullptr;
    std::fill_n(du, private_size, 0.0f);
    float* v = scratch + worker * plan.scratch;
    const int64_t end = std::min(chunks * (slice + 1) / slices * plan.chunk, batch_);
    for (int64_t first = chunks * slice / slices * plan.chunk; first < end; first += plan.chunk) {
      const int64_t count = std::min(plan.chunk, end - first);
      const float* dy = top_diff + first * out_size;
      for (int64_t o = 0; db != nullptr && o < count * num_output_; ++o) {
        db[o % num_output_] += cpu::sum(pixels, dy + o * pixels);
      }
      float* dx = in_diff != nullptr ? in_diff + first * image_size : nullptr;
      if (dx != nullptr) std::fill_n(dx, count * image_size, 0.0f);
      for_each_band(tile, window_, num_output_, plan.band_rows, in + first * image_size, count, v,
                    [&](const Band& band) {
                      const auto [row, last, columns, v_pitch, m_pitch, m] = band;
                      cpu::winograd_outputs_adjoint(tile, window_, dy, num_output_, count, row,
                                                    last, m);
                      for (int64_t position = 0; position < positions; ++position) {
                        cpu::gemm(Trans::no, Trans::yes, num_output_, channels, columns, 1.0f,
                                  m + position * m_pitch, v + position * v_pitch, 1.0f,
                                  du + position * u_pitch);
                      }
                      if (dx == nullptr) return;
                      // The inputs' gradients overwrite the inputs, which the weight gradient has
                      // used.
                      for (int64_t position = 0; position < positions; ++position) {
                        cpu::gemm(Trans::yes, Trans::no, channels, columns, num_output_, 1.0f,
                                  u + position * u_pitch, m + position * m_pitch, 0.0f,
                                  v + position * v_pitch);
                      }
                      cpu::winograd_inputs_adjoint(tile, window_, v, count, row, last, dx);
                    });
    }
  });
  for (int64_t slice = 1; slice < slices; ++slice) {
    const float* part = sums + slice * private_size;
    for (int64_t i = 0; i < private_size; ++i) sums[i] += part[i];
  }
  cpu::winograd_filters_adjoint(tile, window_, sums, num_output_, w_diff);
  for (int64_t o = 0; b_diff != nullptr && o < num_output_; ++o) b_diff[o] += sums[filters + o];
}

}  // namespace visage

#include "layers/locally_connected.hpp"

#include <algorithm>

#include "core/filler.hpp"
#include "core/math.hpp"
#include "layers/sliced_parallel.hpp"

namespace visage {

using cpu::Trans;

namespace {

// Column floats per chunk on the CPU: large enough for long GEMM batches, small enough to stay
// in the last-level cache together with the chunk's results.
constexpr int64_t kCpuColumnBudget = int64_t{1} << 20;

// Whether the window's columns starting at x0 all lie inside the image: then each of its rows is
// one contiguous run (DeepFace's unpadded L4-L6 everywhere), copied without a test per value.
bool columns_inside(const WindowGeometry& g, int64_t x0) {
  return x0 >= 0 && x0 + g.kernel_w <= g.width;
}

// columns[l - first][n][k] = patch k of image n at location l, for l in [first, first + count).
void gather_patches(const WindowGeometry& g, int64_t batch, int64_t first, int64_t count,
                    const float* in, float* columns) {
  const int64_t out_w = g.out_w();
  const int64_t plane = g.height * g.width;
  for (int64_t l = first; l < first + count; ++l) {
    const int64_t y0 = (l / out_w) * g.stride_h - g.pad_h;
    const int64_t x0 = (l % out_w) * g.stride_w - g.pad_w;
    const bool inside = columns_inside(g, x0);
    for (int64_t n = 0; n < batch; ++n) {
      const float* image = in + n * g.channels * plane;
      for (int64_t c = 0; c < g.channels; ++c) {
        for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
          const int64_t y = y0 + ki;
          if (y < 0 || y >= g.height) {
            columns = std::fill_n(columns, g.kernel_w, 0.0f);
            continue;
          }
          const float* row = image + c * plane + y * g.width;
          if (inside) {
            // A loop, not std::copy_n: that is a call to memmove per run of a few floats.
            for (int64_t kj = 0; kj < g.kernel_w; ++kj) columns[kj] = row[x0 + kj];
            columns += g.kernel_w;
            continue;
          }
          for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
            const int64_t x = x0 + kj;
            *columns++ = x >= 0 && x < g.width ? row[x] : 0.0f;
          }
        }
      }
    }
  }
}

// The adjoint of gather_patches: adds the columns' gradients into the images' gradients.
void scatter_patches(const WindowGeometry& g, int64_t batch, int64_t first, int64_t count,
                     const float* columns, float* in_diff) {
  const int64_t out_w = g.out_w();
  const int64_t plane = g.height * g.width;
  for (int64_t l = first; l < first + count; ++l) {
    const int64_t y0 = (l / out_w) * g.stride_h - g.pad_h;
    const int64_t x0 = (l % out_w) * g.stride_w - g.pad_w;
    const bool inside = columns_inside(g, x0);
    for (int64_t n = 0; n < batch; ++n) {
      float* image = in_diff + n * g.channels * plane;
      for (int64_t c = 0; c < g.channels; ++c) {
        for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
          const int64_t y = y0 + ki;
          if (y < 0 || y >= g.height) {
            columns += g.kernel_w;
            continue;
          }
          float* row = image + c * plane + y * g.width;
          if (inside) {
            for (int64_t kj = 0; kj < g.kernel_w; ++kj) row[x0 + kj] += columns[kj];
            columns += g.kernel_w;
            continue;
          }
          for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
            const int64_t x = x0 + kj;
            if (x >= 0 && x < g.width) row[x] += *columns;
            ++columns;
          }
        }
      }
    }
  }
}

}  // namespace

void LocallyConnectedLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.locally_connected_param();
  VISAGE_LAYER_CHECK(p.num_output() > 0,
                     "locally_connected_param.num_output must be positive, got ", p.num_output());
  with_context(describe() + ": locally_connected_param",
               [&] { read_window(window_fields(p), window_); });
  const Tensor& in = *bottom[0];
  VISAGE_LAYER_CHECK(in.num_axes() == 4, "needs a 4-D (N x C x H x W) input, got ",
                     in.shape_string());
  window_.channels = in.dim(1);
  window_.height = in.dim(2);
  window_.width = in.dim(3);
  with_context(describe(), [&] { check_kernel_fits(window_, in.shape_string()); });
  num_output_ = p.num_output();
  bias_term_ = p.bias_term();
  with_context(describe() + ": weight_filler", [&] { validate_filler(p.weight_filler()); });
  with_context(describe() + ": bias_filler", [&] { validate_filler(p.bias_filler()); });

  const int64_t l = locations();
  const int64_t k = window_.patch_size();
  params_.clear();
  // Filled as (L * O, K) so that fan-in based fillers see one filter's K inputs.
  params_.push_back(std::make_shared<Tensor>(Shape{l * num_output_, k}));
  fill(p.weight_filler(), weights(), ctx.rng());
  weights().reshape({l, num_output_, k});
  if (bias_term_) {
    params_.push_back(std::make_shared<Tensor>(Shape{l, num_output_}));
    fill(p.bias_filler(), bias(), ctx.rng());
  }
}

void LocallyConnectedLayer::reshape(Tensors bottom, Tensors top) {
  const Tensor& in = *bottom[0];
  VISAGE_LAYER_CHECK(in.num_axes() == 4 && in.dim(1) == window_.channels &&
                         in.dim(2) == window_.height && in.dim(3) == window_.width,
                     "input ", in.shape_string(), " does not match the per-location weights ",
                     weights().shape_string(), ", made for inputs of N x ", window_.channels, " x ",
                     window_.height, " x ", window_.width,
                     " (a locally connected layer cannot change its input size)");
  batch_ = in.dim(0);
  top[0]->reshape({batch_, num_output_, window_.out_h(), window_.out_w()});
}

int64_t LocallyConnectedLayer::forward_macs(Tensors bottom, Tensors top) const {
  return batch_ * locations() * num_output_ * window_.patch_size();
}

int64_t LocallyConnectedLayer::chunk_locations(int64_t budget) const {
  const int64_t per_location = batch_ * window_.patch_size();
  return std::clamp<int64_t>(budget / std::max<int64_t>(per_location, 1), 1, locations());
}

// Locations are split into one contiguous slice per BLAS thread (cpu::run_sliced), each slice
// walking its own chunks with its own scratch; every location's outputs and parameter gradients
// belong to one slice only.
void LocallyConnectedLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t num_locations = locations();
  const int64_t k = window_.patch_size();
  const int64_t o = num_output_;
  const int64_t n = batch_;
  const int64_t chunk = chunk_locations(kCpuColumnBudget);
  const int workers = cpu::slice_workers(num_locations);
  const int64_t scratch_size = chunk * n * (k + o);
  float* scratch = ctx.host_workspace(workers * scratch_size);
  const float* in = bottom[0]->data().data();
  const float* w = weights().data().data();
  const float* b = bias_term_ ? bias().data().data() : nullptr;
  float* out = top[0]->mutable_data().data();

  cpu::run_sliced(num_locations, workers, [&](int64_t begin, int64_t end, int worker) {
    float* columns = scratch + worker * scratch_size;
    float* results = columns + chunk * n * k;
    for (int64_t first = begin; first < end; first += chunk) {
      const int64_t count = std::min(chunk, end - first);
      gather_patches(window_, n, first, count, in, columns);
      for (int64_t l = 0; l < count; ++l) {
        cpu::gemm(Trans::no, Trans::yes, n, o, k, 1.0f, columns + l * n * k,
                  w + (first + l) * o * k, 0.0f, results + l * n * o);
      }
      // (L, N, O) -> (N, O, L), adding the bias on the way.
      for (int64_t l = 0; l < count; ++l) {
        const float* bias_l = b != nullptr ? b + (first + l) * o : nullptr;
        for (int64_t img = 0; img < n; ++img) {
          const float* r = results + (l * n + img) * o;
          float* dst = out + img * o * num_locations + first + l;
          for (int64_t j = 0; j < o; ++j) {
            dst[j * num_locations] = r[j] + (bias_l != nullptr ? bias_l[j] : 0.0f);
          }
        }
      }
    }
  });
}

// Windows of neighbouring locations overlap, so slices other than the first accumulate their
// bottom gradient into private buffers that are added at the end.
void LocallyConnectedLayer::backward_cpu(Context& ctx, Tensors top,
                                         const std::vector<bool>& propagate_down, Tensors bottom) {
  const int64_t num_locations = locations();
  const int64_t k = window_.patch_size();
  const int64_t o = num_output_;
  const int64_t n = batch_;
  const int64_t chunk = chunk_locations(kCpuColumnBudget);
  const int workers = cpu::slice_workers(num_locations);
  // Per slice: the chunk's patches, their gradient, and the top gradient gathered as (L, N, O).
  const int64_t scratch_size = chunk * n * (2 * k + o);
  const int64_t in_count = bottom[0]->count();
  const bool to_bottom = propagate_down[0];
  float* scratch =
      ctx.host_workspace(workers * scratch_size + (to_bottom ? (workers - 1) * in_count : 0));
  float* private_in_diffs = scratch + workers * scratch_size;
  const float* in = bottom[0]->data().data();
  const float* top_diff = top[0]->diff().data();
  const float* w = weights().data().data();
  // Parameter gradients accumulate (iter_size and shared weights rely on it).
  float* w_diff = weights().mutable_diff().data();
  float* b_diff = bias_term_ ? bias().mutable_diff().data() : nullptr;
  float* in_diff = to_bottom ? bottom[0]->mutable_diff().data() : nullptr;

  cpu::run_sliced(num_locations, workers, [&](int64_t begin, int64_t end, int worker) {
    float* columns = scratch + worker * scratch_size;
    float* columns_diff = columns + chunk * n * k;
    float* dy = columns_diff + chunk * n * k;
    float* my_in_diff = worker == 0 ? in_diff : private_in_diffs + (worker - 1) * in_count;
    if (to_bottom) std::fill_n(my_in_diff, in_count, 0.0f);
    for (int64_t first = begin; first < end; first += chunk) {
      const int64_t count = std::min(chunk, end - first);
      for (int64_t l = 0; l < count; ++l) {
        for (int64_t img = 0; img < n; ++img) {
          const float* src = top_diff + img * o * num_locations + first + l;
          float* d = dy + (l * n + img) * o;
          for (int64_t j = 0; j < o; ++j) d[j] = src[j * num_locations];
        }
      }
      if (b_diff != nullptr) {
        for (int64_t l = 0; l < count; ++l) {
          float* db = b_diff + (first + l) * o;
          for (int64_t img = 0; img < n; ++img) {
            const float* d = dy + (l * n + img) * o;
            for (int64_t j = 0; j < o; ++j) db[j] += d[j];
          }
        }
      }
      gather_patches(window_, n, first, count, in, columns);
      for (int64_t l = 0; l < count; ++l) {
        cpu::gemm(Trans::yes, Trans::no, o, k, n, 1.0f, dy + l * n * o, columns + l * n * k, 1.0f,
                  w_diff + (first + l) * o * k);
      }
      if (!to_bottom) continue;
      for (int64_t l = 0; l < count; ++l) {
        cpu::gemm(Trans::no, Trans::no, n, k, o, 1.0f, dy + l * n * o, w + (first + l) * o * k,
                  0.0f, columns_diff + l * n * k);
      }
      scatter_patches(window_, n, first, count, columns_diff, my_in_diff);
    }
  });
  for (int worker = 1; to_bottom && worker < workers; ++worker) {
    const float* part = private_in_diffs + (worker - 1) * in_count;
    for (int64_t i = 0; i < in_count; ++i) in_diff[i] += part[i];
  }
}

}  // namespace visage

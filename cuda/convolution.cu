// GPU half of layers/convolution.cpp: cuDNN 9 (legacy convolution API). Descriptors are RAII
// (cuda/cudnn_descriptors.hpp). The forward, backward-data and backward-filter algorithms are
// chosen the first time an input shape is seen, as the context's ConvolutionAlgorithms says:
// reproducible takes cuDNN's heuristics (cudnnGet*Algorithm_v7), the best ranked that is
// deterministic and direct (no FFT or Winograd); fastest times every fp32 algorithm
// (cudnnFind*Algorithm) and keeps the quickest. The choice is cached per shape, so a shape change
// costs one lookup, not a new search. Scratch memory comes from the context's shared workspace
// arena. Everything is queued on the context's stream.
#include <algorithm>
#include <map>

#include "cuda/cudnn_descriptors.hpp"
#include "cuda/kernel.cuh"
#include "cuda/resources.hpp"
#include "layers/convolution.hpp"

namespace visage {
namespace {

// Algorithms needing more scratch than this are passed over (cuDNN's heuristics rank a few
// memory-hungry FFT variants first for large kernels).
constexpr std::size_t kWorkspaceLimit = std::size_t{1} << 30;

// TF32 tensor-core results would break fp32 CPU-vs-GPU parity; see ConvolutionDescriptor::set.
bool is_fp32_exact(cudnnMathType_t math) {
  return math == CUDNN_DEFAULT_MATH || math == CUDNN_FMA_MATH;
}

// FFT and Winograd algorithms compute a transform of the convolution, not the sums themselves:
// their rounding error grows with the kernel and the tile (far beyond a direct fp32 sum's), so
// CPU-vs-GPU parity and repeatable training exclude them.
bool is_transform_based(cudnnConvolutionFwdAlgo_t algo) {
  return algo == CUDNN_CONVOLUTION_FWD_ALGO_FFT || algo == CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING ||
         algo == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD ||
         algo == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED;
}
bool is_transform_based(cudnnConvolutionBwdDataAlgo_t algo) {
  return algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT ||
         algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING ||
         algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD ||
         algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED;
}
bool is_transform_based(cudnnConvolutionBwdFilterAlgo_t algo) {
  return algo == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT ||
         algo == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING ||
         algo == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED;
}

// The first algorithm of a cuDNN perf list (ranked by heuristics, or sorted by measured time) that
// is usable here: it runs, fits the workspace and keeps fp32 arithmetic. A reproducible choice
// also needs it deterministic (atomics in some backward algorithms sum in a different order on
// each run) and direct. The lists also rate each algorithm under CUDNN_DEFAULT_MATH, which allows
// TF32 on Ampere and later; the descriptor runs everything as CUDNN_FMA_MATH, so entries rated
// that way come first, and the others only stand in where none is usable.
template <typename Perf>
const Perf* pick(const Perf* results, int count, ConvolutionAlgorithms choice, const char* what,
                 const std::string& layer) {
  const bool reproducible = choice == ConvolutionAlgorithms::reproducible;
  for (const bool rated_as_run : {true, false}) {
    for (int i = 0; i < count; ++i) {
      const Perf& p = results[i];
      if (p.status == CUDNN_STATUS_SUCCESS && p.memory <= kWorkspaceLimit &&
          is_fp32_exact(p.mathType) && (!rated_as_run || p.mathType == CUDNN_FMA_MATH) &&
          (!reproducible ||
           (p.determinism == CUDNN_DETERMINISTIC && !is_transform_based(p.algo)))) {
        return &p;
      }
    }
  }
  fail(layer, ": cuDNN offers no ", reproducible ? "deterministic, direct " : "", "fp32 ", what,
       " algorithm within ", kWorkspaceLimit >> 20, " MiB of workspace (", count, " candidates)");
}

}  // namespace

struct ConvolutionLayer::CudnnPlan {
  struct Algorithms {
    cudnnConvolutionFwdAlgo_t forward;
    cudnnConvolutionBwdDataAlgo_t backward_data;
    cudnnConvolutionBwdFilterAlgo_t backward_filter;
    std::size_t forward_bytes;
    std::size_t backward_bytes;  // enough for both backward algorithms
  };

  // Sets the descriptors for this input shape and finds (or recalls) its algorithms.
  void prepare(cudnnHandle_t handle, gpu::CachingAllocator& allocator, ConvolutionAlgorithms choice,
               const Shape& in, const Shape& out, const std::string& layer);

  gpu::TensorDescriptor input;
  gpu::TensorDescriptor output;
  gpu::TensorDescriptor bias;
  gpu::FilterDescriptor filter;
  gpu::ConvolutionDescriptor convolution;
  std::map<std::pair<ConvolutionAlgorithms, Shape>, Algorithms> cache;
  Shape described;  // the input shape `input` and `output` describe now
  const Algorithms* algorithms = nullptr;
};

void ConvolutionLayer::CudnnPlan::prepare(cudnnHandle_t handle, gpu::CachingAllocator& allocator,
                                          ConvolutionAlgorithms choice, const Shape& in,
                                          const Shape& out, const std::string& layer) {
  if (described != in) {
    input.set_nchw(in[0], in[1], in[2], in[3]);
    output.set_nchw(out[0], out[1], out[2], out[3]);
    described = in;
  }
  auto found = cache.find({choice, in});
  if (found == cache.end()) {
    cudnnConvolutionFwdAlgoPerf_t fwd[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    cudnnConvolutionBwdDataAlgoPerf_t data[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    cudnnConvolutionBwdFilterAlgoPerf_t filt[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    int n_fwd = 0;
    int n_data = 0;
    int n_filt = 0;
    if (choice == ConvolutionAlgorithms::reproducible) {
      VISAGE_CUDA_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(
          handle, input.get(), filter.get(), convolution.get(), output.get(),
          CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &n_fwd, fwd));
      VISAGE_CUDA_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
          handle, filter.get(), output.get(), convolution.get(), input.get(),
          CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &n_data, data));
      VISAGE_CUDA_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
          handle, input.get(), output.get(), convolution.get(), filter.get(),
          CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &n_filt, filt));
    } else {
      // Runs every algorithm on scratch buffers of its own (host-blocking), sorted by time. Those
      // come from cudaMalloc: the blocks the caching allocator keeps go back to the driver first,
      // or large-workspace algorithms would fail to allocate and drop out of the race.
      allocator.release_cache();
      VISAGE_CUDA_CHECK(cudnnFindConvolutionForwardAlgorithm(
          handle, input.get(), filter.get(), convolution.get(), output.get(),
          CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &n_fwd, fwd));
      VISAGE_CUDA_CHECK(cudnnFindConvolutionBackwardDataAlgorithm(
          handle, filter.get(), output.get(), convolution.get(), input.get(),
          CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &n_data, data));
      VISAGE_CUDA_CHECK(cudnnFindConvolutionBackwardFilterAlgorithm(
          handle, input.get(), output.get(), convolution.get(), filter.get(),
          CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &n_filt, filt));
    }
    Algorithms chosen{pick(fwd, n_fwd, choice, "forward", layer)->algo,
                      pick(data, n_data, choice, "backward-data", layer)->algo,
                      pick(filt, n_filt, choice, "backward-filter", layer)->algo, 0, 0};
    // The perf lists' memory fields are estimates; ask for the exact sizes.
    std::size_t data_bytes = 0;
    std::size_t filter_bytes = 0;
    VISAGE_CUDA_CHECK(cudnnGetConvolutionForwardWorkspaceSize(
        handle, input.get(), filter.get(), convolution.get(), output.get(), chosen.forward,
        &chosen.forward_bytes));
    VISAGE_CUDA_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(
        handle, filter.get(), output.get(), convolution.get(), input.get(), chosen.backward_data,
        &data_bytes));
    VISAGE_CUDA_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(
        handle, input.get(), output.get(), convolution.get(), filter.get(), chosen.backward_filter,
        &filter_bytes));
    chosen.backward_bytes = std::max(data_bytes, filter_bytes);
    found = cache.emplace(std::pair{choice, in}, chosen).first;
  }
  algorithms = &found->second;
}

ConvolutionLayer::CudnnPlan& ConvolutionLayer::prepare_cudnn(Context& ctx, Tensors bottom,
                                                             Tensors top) {
  if (!cudnn_) {
    cudnn_ = std::make_shared<CudnnPlan>();
    cudnn_->filter.set_kcrs(num_output_, window_.channels / group_, window_.kernel_h,
                            window_.kernel_w);
    cudnn_->convolution.set(window_.pad_h, window_.pad_w, window_.stride_h, window_.stride_w,
                            window_.dilation_h, window_.dilation_w, group_);
    cudnn_->bias.set_nchw(1, num_output_, 1, 1);
  }
  cudnn_->prepare(gpu::cudnn(ctx), *ctx.cuda().allocator(), ctx.convolution_algorithms(),
                  bottom[0]->shape(), top[0]->shape(), describe());
  return *cudnn_;
}

void ConvolutionLayer::forward_gpu(Context& ctx, Tensors bottom, Tensors top) {
  CudnnPlan& plan = prepare_cudnn(ctx, bottom, top);
  cudnnHandle_t handle = gpu::cudnn(ctx);
  const auto& algos = *plan.algorithms;
  void* workspace = algos.forward_bytes > 0 ? ctx.cuda().workspace(algos.forward_bytes) : nullptr;
  const float one = 1.0f;
  const float zero = 0.0f;
  float* out = top[0]->mutable_gpu_data(ctx);
  VISAGE_CUDA_CHECK(cudnnConvolutionForward(
      handle, &one, plan.input.get(), bottom[0]->gpu_data(ctx), plan.filter.get(),
      weights().gpu_data(ctx), plan.convolution.get(), algos.forward, workspace,
      algos.forward_bytes, &zero, plan.output.get(), out));
  if (bias_term_) {
    VISAGE_CUDA_CHECK(cudnnAddTensor(handle, &one, plan.bias.get(), bias().gpu_data(ctx), &one,
                                     plan.output.get(), out));
  }
}

void ConvolutionLayer::backward_gpu(Context& ctx, Tensors top,
                                    const std::vector<bool>& propagate_down, Tensors bottom) {
  CudnnPlan& plan = prepare_cudnn(ctx, bottom, top);
  cudnnHandle_t handle = gpu::cudnn(ctx);
  const auto& algos = *plan.algorithms;
  void* workspace = algos.backward_bytes > 0 ? ctx.cuda().workspace(algos.backward_bytes) : nullptr;
  const float one = 1.0f;
  const float zero = 0.0f;
  const float* top_diff = top[0]->gpu_diff(ctx);
  // Parameter gradients accumulate (beta = 1): iter_size and shared weights rely on it.
  if (bias_term_) {
    VISAGE_CUDA_CHECK(cudnnConvolutionBackwardBias(handle, &one, plan.output.get(), top_diff, &one,
                                                   plan.bias.get(), bias().mutable_gpu_diff(ctx)));
  }
  VISAGE_CUDA_CHECK(cudnnConvolutionBackwardFilter(
      handle, &one, plan.input.get(), bottom[0]->gpu_data(ctx), plan.output.get(), top_diff,
      plan.convolution.get(), algos.backward_filter, workspace, algos.backward_bytes, &one,
      plan.filter.get(), weights().mutable_gpu_diff(ctx)));
  if (propagate_down[0]) {
    VISAGE_CUDA_CHECK(cudnnConvolutionBackwardData(
        handle, &one, plan.filter.get(), weights().gpu_data(ctx), plan.output.get(), top_diff,
        plan.convolution.get(), algos.backward_data, workspace, algos.backward_bytes, &zero,
        plan.input.get(), bottom[0]->mutable_gpu_diff(ctx)));
  }
}

}  // namespace visage

// Where and how computation runs: the device (CPU or one CUDA GPU), its stream and library
// handles, the random number generator, and scratch memory. Passed explicitly to every forward and
// backward call; there is no global mode.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/communicator.hpp"
#include "core/device_api.hpp"
#include "core/rng.hpp"
#include "core/simd_level.hpp"

namespace visage {

// How convolutions choose their algorithms.
enum class ConvolutionAlgorithms {
  // Direct sums. CPU: im2col and GEMM. GPU: cuDNN's heuristics among deterministic fp32
  // algorithms that sum directly. The same digits on every run, within rounding of each other,
  // and the digits every documented result was trained with.
  reproducible,
  // Fewer multiplies, other rounding. CPU: 3x3 and 5x5 stride-1 layers through Winograd's
  // F(4x4, 3x3), F(2x2, 3x3) or F(2x2, 5x5), 1x1 layers an image at a time, and stride-1 layers
  // with few outputs and large kernels through a direct AVX2/AVX-512 kernel; still the same
  // digits on every run. GPU: every fp32 algorithm timed once per input shape and the fastest
  // kept, FFT, Winograd and non-deterministic ones included (PyTorch's cudnn.benchmark): digits
  // may differ between runs.
  fastest,
};

class Context {
 public:
  static Context cpu(uint64_t seed = 1);
  // Throws with a clear message when the build has no CUDA or the machine has no such GPU.
  static Context gpu(int device_id, uint64_t seed = 1);

  Context(Context&&) = default;
  Context& operator=(Context&&) = default;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  bool is_gpu() const { return cuda_ != nullptr; }
  int device_id() const { return device_id_; }
  std::string describe() const;

  Rng& rng() { return rng_; }

  ConvolutionAlgorithms convolution_algorithms() const { return convolution_algorithms_; }
  void set_convolution_algorithms(ConvolutionAlgorithms choice) {
    convolution_algorithms_ = choice;
  }

  // The vector instructions Visage's own CPU kernels use (core/simd_level.hpp): the processor's
  // widest by default. A narrower level can be asked for (tests run the AVX2 kernels on AVX-512
  // machines so); a wider one than the processor has is refused with an error.
  cpu::SimdLevel simd_level() const { return simd_level_; }
  void set_simd_level(cpu::SimdLevel level);

  // GPU resources; each throws on a CPU context.
  CudaResources& cuda() const;
  std::shared_ptr<DeviceAllocator> allocator() const;
  StreamHandle stream() const;
  // Waits for the work queued on this context's stream (no-op on the CPU).
  void synchronize() const;

  // Bytes of memory where this context's tensors live: the machine's RAM, or the GPU's memory.
  std::size_t memory_bytes() const;

  // Scratch memory shared by all layers run with this context (im2col buffers and the like);
  // valid until the next call.
  float* host_workspace(std::size_t floats);

  // Data-parallel position of this process: 0 of 1 unless the context joined a communicator.
  int rank() const { return communicator_ ? communicator_->rank() : 0; }
  int world_size() const { return communicator_ ? communicator_->size() : 1; }
  // Whether this process is a rank of a data-parallel run, even the only one: its collectives
  // then run (identities for one rank), so that `mpirun -np 1` takes the data-parallel path and
  // can be checked against a plain run.
  bool data_parallel() const { return communicator_ != nullptr; }
  // The ranks' collectives (nullptr in a single-process run). Join before building nets: data
  // layers take their slice of each global batch from rank() and world_size() when set up.
  Communicator* communicator() const { return communicator_.get(); }
  void join(std::shared_ptr<Communicator> communicator) { communicator_ = std::move(communicator); }

 private:
  Context(int device_id, uint64_t seed, std::shared_ptr<CudaResources> cuda);

  int device_id_ = -1;
  Rng rng_;
  ConvolutionAlgorithms convolution_algorithms_ = ConvolutionAlgorithms::reproducible;
  cpu::SimdLevel simd_level_ = cpu::simd_level();
  std::shared_ptr<CudaResources> cuda_;
  std::vector<float> host_workspace_;
  std::shared_ptr<Communicator> communicator_;
};

// The machine's RAM in bytes.
std::size_t host_memory_bytes();

}  // namespace visage

// SyntheticFaceData: the built-in data layer, an endless stream of generated faces
// (synthetic/face.hpp) needing no files. Batches are either identity-balanced (P distinct
// identities x K distinct images each, for triplet loss) or uniform draws (for softmax), over the
// identity range [first_identity, first_identity + identities), so training and held-out layers
// can use disjoint ranges.
//
// Tops: data, N x C x S x S with each pixel x in [0, 1] stored as (x - 0.5) / 0.25; label
// (optional), N values identity - first_identity. Batch b's content is a pure function of (seed,
// range, b, the process's rank): the saved state is just the batch counter, so a resumed run sees
// exactly the batches an uninterrupted one would, and the rendering threads do not change a pixel.
//
// The next batch is rendered in the background while the network works on this one. With a fixed
// pool (images_per_identity_pool), images are stored as 8 bits, like the PNGs `visage synth`
// writes, and kept in memory once rendered (synthetic/cache.hpp).
#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "layers/data_layer.hpp"
#include "synthetic/cache.hpp"
#include "synthetic/random.hpp"
#include "synthetic/source.hpp"

namespace visage {

// One image of a batch: which identity (as a label) and which of its images.
struct SyntheticDraw {
  int label = 0;
  int64_t index = 0;
};

class SyntheticFaceDataLayer : public DataLayer {
 public:
  using DataLayer::DataLayer;
  const char* type() const override { return "SyntheticFaceData"; }
  Arity top_arity() const override { return Arity::between(1, 2); }
  void reshape(Tensors bottom, Tensors top) override;
  // Its pixels v in [0, 1] become (v - kMean) / kSpread; `visage synth` writes v to files as the
  // byte round(255 v).
  std::optional<proto::FaceTransformParameter> test_image_transform() const override;

  // The draws of the stream's batch number `batch` (counted across all ranks).
  std::vector<SyntheticDraw> plan_batch(int64_t batch) const;
  int64_t batches_done() const { return batches_done_; }
  int batch_size() const { return batch_size_; }

  // The normalisation of the data top: stored = (pixel - kMean) / kSpread.
  static constexpr float kMean = 0.5f;
  static constexpr float kSpread = 0.25f;

 protected:
  void configure(Context& ctx, Tensors bottom, Tensors top) override;
  void forward_cpu(Context& ctx, Tensors bottom, Tensors top) override;
  proto::DataState data_state() const override;
  proto::DataState::ReaderCase reader_case() const override {
    return proto::DataState::kSyntheticFaceData;
  }
  void restore_data_state(const proto::DataState& state) override;

 private:
  struct RenderedBatch {
    int64_t number = -1;
    std::vector<float> data;
    std::vector<float> labels;
  };

  int64_t draw_index(synthetic::HashStream& random) const;
  RenderedBatch render_batch(int64_t number);
  void render_image(const SyntheticDraw& draw, float* out);
  // The stream's batch number for this process's next forward.
  int64_t next_batch_number(const Context& ctx) const;

  std::optional<synthetic::SyntheticFaceSource> source_;
  std::unique_ptr<synthetic::SyntheticFaceCache> cache_;  // pooled sources only
  int identities_per_batch_ = 0;                          // 0: uniform sampling
  int images_per_identity_ = 0;
  int batch_size_ = 0;
  int threads_ = 1;
  int64_t batches_done_ = 0;
  // Declared last: destroyed first, so a background render finishes before what it reads goes.
  std::future<RenderedBatch> prefetched_;
};

}  // namespace visage

// Data layers that read face images through the prefetching pipeline (datasets/prefetcher.hpp):
//  - FaceData (face_data_param): identity folders or a list file, identity-balanced P x K batches
//    (FaceNet) or plain shuffled batches, the papers' identity/image filters;
//  - ImageData (layers/image_data.hpp): Caffe's image_data_param, unchanged.
// Tops: data (N x C x H x W) and, optionally, label (N). In a run of several ranks each rank's
// batch is its slice of one global batch. The saved state is the sampler's position after the last
// batch forward() returned, so a resumed run sees the same batches.
#pragma once

#include <memory>
#include <string>

#include "datasets/bad_images.hpp"
#include "datasets/batch_sampler.hpp"
#include "datasets/face_source.hpp"
#include "datasets/prefetcher.hpp"
#include "datasets/transform_pipeline.hpp"
#include "layers/data_layer.hpp"

namespace visage {

class PrefetchingDataLayer : public DataLayer {
 public:
  using DataLayer::DataLayer;
  Arity top_arity() const override { return Arity::between(1, 2); }
  void reshape(Tensors bottom, Tensors top) override;

  // Images skipped so far: missing at setup, or unreadable when first loaded.
  std::size_t skipped_images() const { return missing_images_ + bad_images_->count(); }
  const data::FaceSource& source() const { return *source_; }
  // The per-image transform the layer applies (random steps only in TRAIN), so that images from
  // elsewhere can be prepared the same way.
  const proto::FaceTransformParameter& transform_param() const { return transform_->param(); }
  std::optional<proto::FaceTransformParameter> test_image_transform() const override {
    return transform_param();
  }

 protected:
  // What a concrete layer decides from its parameters.
  struct Pipeline {
    std::shared_ptr<const data::FaceSource> source;
    std::unique_ptr<data::BatchSampler> sampler;  // over the global batch
    proto::FaceTransformParameter transform;
    data::PrefetchOptions options;
    std::size_t missing_images = 0;
    std::string summary;  // one line on what was read, printed at setup
  };
  // `seed` and the rank/world size are already in the options passed in.
  virtual Pipeline make_pipeline(const data::PrefetchOptions& options) = 0;

  void configure(Context& ctx, Tensors bottom, Tensors top) override;
  void forward_cpu(Context& ctx, Tensors bottom, Tensors top) override;
  proto::DataState data_state() const override;
  proto::DataState::ReaderCase reader_case() const override { return proto::DataState::kSampler; }
  void restore_data_state(const proto::DataState& state) override;

  // The seed given in the layer's parameters, if any.
  virtual bool has_seed() const { return false; }
  virtual uint64_t seed() const { return 0; }

 private:
  data::SampleShape sample_shape(const data::TransformPipeline& transform) const;

  std::shared_ptr<const data::FaceSource> source_;
  std::shared_ptr<const data::TransformPipeline> transform_;
  std::shared_ptr<data::BadImageLog> bad_images_ = std::make_shared<data::BadImageLog>();
  std::unique_ptr<data::Prefetcher> prefetcher_;
  std::size_t missing_images_ = 0;
  std::vector<float> unused_labels_;  // when there is no label top
};

class FaceDataLayer : public PrefetchingDataLayer {
 public:
  using PrefetchingDataLayer::PrefetchingDataLayer;
  const char* type() const override { return "FaceData"; }

 protected:
  Pipeline make_pipeline(const data::PrefetchOptions& options) override;
  bool has_seed() const override { return param_.face_data_param().has_seed(); }
  uint64_t seed() const override { return param_.face_data_param().seed(); }
};

}  // namespace visage

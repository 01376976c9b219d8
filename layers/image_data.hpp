// Caffe's ImageData layer: a list file of "path label" lines (paths relative to root_folder),
// batch_size images per batch in list order or reshuffled each epoch, optional resize to
// new_height x new_width, grey or colour (is_color), Caffe's transform_param or Visage's
// face_transform_param. Runs on the prefetching pipeline of layers/face_data.hpp, whose GPU half
// (cuda/face_data.cu) it shares; unlike Caffe, a missing or unreadable image is skipped with a
// warning rather than aborting.
#pragma once

#include "layers/face_data.hpp"

namespace visage {

class ImageDataLayer : public PrefetchingDataLayer {
 public:
  using PrefetchingDataLayer::PrefetchingDataLayer;
  const char* type() const override { return "ImageData"; }

 protected:
  Pipeline make_pipeline(const data::PrefetchOptions& options) override;
};

}  // namespace visage

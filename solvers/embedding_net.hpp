// The embedding net a verification test derives from the train net when it is given no deploy
// net: the train config in the TEST phase, its image data layer replaced by an Input layer of the
// same top and image shape, cut down to the layers the embedding top depends on. Images are then
// prepared as that data layer prepares its own in the TEST phase (no random steps), so the net
// sees test images the way it saw training images.
#pragma once

#include <cstdint>
#include <string>

#include "core/config.hpp"
#include "core/net.hpp"

namespace visage {

struct DerivedEmbeddingNet {
  NetConfig config;
  proto::FaceTransformParameter transform;  // apply with TransformPipeline(transform, false)
};

// `batch` images per forward pass (<= 0: the train data layer's batch). Throws naming the train
// net when it has no image data layer, when that layer's preparation is unknown (then a deploy
// net is needed), or when no TEST-phase layer produces `blob`.
DerivedEmbeddingNet derive_embedding_net(const Net& train_net, const std::string& blob,
                                         int64_t batch);

}  // namespace visage

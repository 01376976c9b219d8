// Parameter initialisation from a FillerParameter: constant, uniform, gaussian, xavier, msra
// (Caffe's definitions; fan-in of a weight of shape (out, in...) is count / out).
#pragma once

#include "core/rng.hpp"
#include "core/tensor.hpp"
#include "proto/visage.pb.h"

namespace visage {

void fill(const proto::FillerParameter& filler, Tensor& tensor, Rng& rng);

// Throws for unknown filler types, so that a config is checked before any work is done.
void validate_filler(const proto::FillerParameter& filler);

}  // namespace visage

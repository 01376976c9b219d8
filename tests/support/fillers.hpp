// Random weights and biases for the layers' gradient and parity checks: large enough that every
// term of a gradient matters, appended to a layer's parameters.
#pragma once

namespace visage::testing {

inline constexpr const char* kGaussianFillers =
    " weight_filler { type: 'gaussian' std: 0.5 } bias_filler { type: 'gaussian' std: 0.5 }";

}  // namespace visage::testing

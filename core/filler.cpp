#include "core/filler.hpp"

#include <cmath>

#include "core/error.hpp"

namespace visage {
namespace {

float fan_scale(const proto::FillerParameter& f, const Tensor& t) {
  VISAGE_CHECK(t.num_axes() >= 1 && t.count() > 0, "filler '", f.type(),
               "' needs a non-empty tensor, got shape ", t.shape_string());
  const auto fan_in = static_cast<float>(t.count() / t.dim(0));
  const auto fan_out = static_cast<float>(t.num_axes() > 1 ? t.count() / t.dim(1) : t.count());
  switch (f.variance_norm()) {
    case proto::FillerParameter::FAN_OUT:
      return fan_out;
    case proto::FillerParameter::AVERAGE:
      return (fan_in + fan_out) / 2.0f;
    default:
      return fan_in;
  }
}

}  // namespace

void validate_filler(const proto::FillerParameter& f) {
  const std::string& t = f.type();
  VISAGE_CHECK(t == "constant" || t == "uniform" || t == "gaussian" || t == "xavier" || t == "msra",
               "unknown filler type '", t, "' (known: constant, uniform, gaussian, xavier, msra)");
  if (t == "uniform") {
    VISAGE_CHECK(f.min() <= f.max(), "uniform filler with min ", f.min(), " > max ", f.max());
  }
  if (t == "gaussian") VISAGE_CHECK(f.std() >= 0, "gaussian filler with negative std ", f.std());
}

void fill(const proto::FillerParameter& f, Tensor& tensor, Rng& rng) {
  validate_filler(f);
  auto out = tensor.mutable_data();
  const std::string& type = f.type();
  if (type == "constant") {
    std::ranges::fill(out, f.value());
  } else if (type == "uniform") {
    for (float& x : out) x = rng.uniform(f.min(), f.max());
  } else if (type == "gaussian") {
    for (float& x : out) x = rng.gaussian(f.mean(), f.std());
  } else if (type == "xavier") {
    const float limit = std::sqrt(3.0f / fan_scale(f, tensor));
    for (float& x : out) x = rng.uniform(-limit, limit);
  } else if (type == "msra") {
    const float stddev = std::sqrt(2.0f / fan_scale(f, tensor));
    for (float& x : out) x = rng.gaussian(0.0f, stddev);
  }
}

}  // namespace visage

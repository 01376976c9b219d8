// Distances between embedding vectors. Smaller always means "more alike", so one threshold rule
// (accept a pair as the same identity when its distance <= threshold) serves every metric.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "proto/visage.pb.h"

namespace visage::eval {

enum class Distance {
  kSquaredL2,  // ||a - b||^2; the default, and FaceNet's, for L2-normalised embeddings (in [0, 4])
  kL2,         // ||a - b||
  kCosine,     // 1 - a.b / (||a|| ||b||), in [0, 2]; 1 when either vector is zero
};

// Accepts "squared_l2" (also "sqeuclidean"), "l2" (also "euclidean") and "cosine".
Distance parse_distance(std::string_view name);
// A solver's or experiment's `distance` field as the metric it names.
Distance distance_from_proto(proto::VerificationTest::Distance distance);
std::string distance_name(Distance metric);

// Throws when the vectors differ in length.
double distance(std::span<const float> a, std::span<const float> b, Distance metric);

}  // namespace visage::eval

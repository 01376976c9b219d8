#include "eval/distance.hpp"

#include <cmath>

#include "core/error.hpp"

namespace visage::eval {

Distance parse_distance(std::string_view name) {
  if (name == "squared_l2" || name == "sqeuclidean") return Distance::kSquaredL2;
  if (name == "l2" || name == "euclidean") return Distance::kL2;
  if (name == "cosine") return Distance::kCosine;
  fail("unknown distance `", name, "`; expected squared_l2, l2 or cosine");
}

std::string distance_name(Distance metric) {
  switch (metric) {
    case Distance::kSquaredL2:
      return "squared_l2";
    case Distance::kL2:
      return "l2";
    case Distance::kCosine:
      return "cosine";
  }
  fail("invalid Distance value ", static_cast<int>(metric));
}

double distance(std::span<const float> a, std::span<const float> b, Distance metric) {
  VISAGE_CHECK(a.size() == b.size(), "cannot compare embeddings of dimension ", a.size(), " and ",
               b.size());
  // Accumulating in double keeps 6,000 LFW distances reproducible to the last printed digit.
  double squared = 0.0;
  double dot = 0.0;
  double norm_a = 0.0;
  double norm_b = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double x = a[i];
    const double y = b[i];
    squared += (x - y) * (x - y);
    dot += x * y;
    norm_a += x * x;
    norm_b += y * y;
  }
  // A NaN distance would sort anywhere and score as chance (cosine would even call it 1): refuse.
  VISAGE_CHECK(std::isfinite(norm_a) && std::isfinite(norm_b),
               "an embedding holds NaN or infinite values (the model diverged, or the embeddings "
               "file is damaged)");
  switch (metric) {
    case Distance::kSquaredL2:
      return squared;
    case Distance::kL2:
      return std::sqrt(squared);
    case Distance::kCosine: {
      const double norms = std::sqrt(norm_a * norm_b);
      return norms > 0.0 ? 1.0 - dot / norms : 1.0;
    }
  }
  fail("invalid Distance value ", static_cast<int>(metric));
}

Distance distance_from_proto(proto::VerificationTest::Distance distance) {
  switch (distance) {
    case proto::VerificationTest::SQUARED_L2:
      return Distance::kSquaredL2;
    case proto::VerificationTest::L2:
      return Distance::kL2;
    case proto::VerificationTest::COSINE:
      return Distance::kCosine;
  }
  fail("unknown distance ", static_cast<int>(distance));
}

}  // namespace visage::eval

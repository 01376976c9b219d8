// Toy embeddings for the learned-metric tests: people who differ in 4 of 16 dimensions, with
// nuisance variance 25 times larger in the other 12 (and 100 times the within-person spread in
// the 4), so that raw cosine distance barely sees who
// is who while a metric that finds the 3 dimensions separates them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.hpp"

namespace visage::testing {

struct ToyEmbeddings {
  static constexpr size_t kDim = 16;
  static constexpr size_t kIdentityDims = 4;
  std::vector<float> values;    // N x kDim
  std::vector<int64_t> labels;  // first_person .. first_person + people - 1
};

// Person k's centre in dimensions 0-3 is N(0, 1) per dimension; each image adds N(0, 0.05) there
// and N(0, 5) in dimensions 4-15. (With 3 identity dimensions, random centres often point the
// same way, and no metric compared by cosine does much better than 95%.) Persons are drawn from one
// stream in order, so person k is the same whichever range it is drawn in.
inline ToyEmbeddings toy_embeddings(int first_person, int people, int images_per_person) {
  ToyEmbeddings toy;
  for (int person = first_person; person < first_person + people; ++person) {
    Rng rng(1000 + static_cast<uint64_t>(person));
    float centre[ToyEmbeddings::kIdentityDims];
    for (float& c : centre) c = rng.gaussian(0, 1);
    for (int image = 0; image < images_per_person; ++image) {
      for (size_t i = 0; i < ToyEmbeddings::kDim; ++i) {
        toy.values.push_back(i < ToyEmbeddings::kIdentityDims ? centre[i] + rng.gaussian(0, 0.05f)
                                                              : rng.gaussian(0, 5));
      }
      toy.labels.push_back(person);
    }
  }
  return toy;
}

// LFW's layout: person 7's image 2 is "person7/person7_0002.png".
inline std::string toy_image_path(int64_t person, int image) {
  const std::string name = "person" + std::to_string(person);
  std::string number = std::to_string(image);
  number.insert(0, 4 - std::min<size_t>(number.size(), 4), '0');
  return name + "/" + name + "_" + number + ".png";
}

}  // namespace visage::testing

#include "datasets/face_source.hpp"

namespace visage::data {

int64_t FaceSource::total_images() const {
  int64_t images = 0;
  for (int identity = 0; identity < num_identities(); ++identity) images += num_images(identity);
  return images;
}

std::vector<SampleRef> FaceSource::natural_order() const {
  std::vector<SampleRef> order;
  order.reserve(static_cast<size_t>(total_images()));
  for (int identity = 0; identity < num_identities(); ++identity) {
    for (int index = 0; index < num_images(identity); ++index) order.push_back({identity, index});
  }
  return order;
}

}  // namespace visage::data

#include "datasets/face_source.hpp"

namespace visage::data {

std::vector<SampleRef> FaceSource::natural_order() const {
  std::vector<SampleRef> order;
  for (int identity = 0; identity < num_identities(); ++identity) {
    for (int index = 0; index < num_images(identity); ++index) order.push_back({identity, index});
  }
  return order;
}

}  // namespace visage::data

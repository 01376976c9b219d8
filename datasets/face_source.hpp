// Where face images come from, seen by the samplers and the prefetcher: a number of identities,
// each with a number of images, and a way to produce image (identity, index). Files on disk
// (file_dataset.hpp) and the synthetic generator both plug in here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/image.hpp"

namespace visage::data {

// One image of a source.
struct SampleRef {
  int identity = 0;
  int index = 0;
  bool operator==(const SampleRef&) const = default;
};

class FaceSource {
 public:
  virtual ~FaceSource() = default;

  virtual int num_identities() const = 0;
  virtual int num_images(int identity) const = 0;
  // Every identity's images, summed.
  int64_t total_images() const;
  // Called concurrently by decoder threads, so it must be thread-safe. Throws visage::Error whose
  // message names the image when it cannot be produced.
  virtual Image load(int identity, int index) const = 0;
  // The class label the network is trained with; by default the identity's index.
  virtual int label(int identity) const { return identity; }
  // The image's file, or how it is made, for messages.
  virtual std::string describe(int identity, int index) const = 0;
  // Every image once, in the source's own order (a list file's line order); plain sequential
  // reading follows it. By default identity after identity.
  virtual std::vector<SampleRef> natural_order() const;
};

}  // namespace visage::data

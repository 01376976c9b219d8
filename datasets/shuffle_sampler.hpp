// Plain batches (Caffe's ImageData order): the images in a fixed order, reshuffled at every epoch
// when asked, batches running on across epoch ends.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/batch_sampler.hpp"

namespace visage::data {

class ShuffleSampler : public BatchSampler {
 public:
  // `skip` images are passed over at the very start (Caffe's rand_skip, for staggering
  // asynchronous readers).
  ShuffleSampler(std::vector<SampleRef> items, int batch_size, bool shuffle, uint64_t seed,
                 int64_t skip = 0);

  int batch_size() const override { return batch_size_; }
  BatchPlan next_batch() override;
  std::string save_state() const override;
  void load_state(const std::string& state) override;

  int64_t epoch() const { return epoch_; }

 private:
  void start_epoch(int64_t epoch);

  std::vector<SampleRef> items_;
  int batch_size_;
  bool shuffle_;
  uint64_t seed_;

  int64_t batch_index_ = 0;
  int64_t epoch_ = 0;
  std::vector<SampleRef> order_;  // this epoch's order, a function of (seed, epoch)
  size_t cursor_ = 0;
};

}  // namespace visage::data

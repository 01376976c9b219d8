// Decides which images form each batch. Samplers are cheap and run on one thread; the prefetcher
// decodes what they choose. Their state is small and restorable, so a resumed run continues with
// the batch an uninterrupted one would have drawn next.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "datasets/face_source.hpp"

namespace visage::data {

struct BatchPlan {
  int64_t index = 0;  // 0-based count of batches drawn before this one
  std::vector<SampleRef> samples;
};

class BatchSampler {
 public:
  virtual ~BatchSampler() = default;
  virtual int batch_size() const = 0;
  // Samples whose positions must stay together when a batch is split between ranks (K for
  // P x K batches, so each rank gets whole identities).
  virtual int group_size() const { return 1; }
  virtual BatchPlan next_batch() = 0;
  // The sampler's position as a serialized proto::SamplerState.
  virtual std::string save_state() const = 0;
  // Throws visage::Error when the state does not fit this sampler's data or settings.
  virtual void load_state(const std::string& state) = 0;
};

// Fisher-Yates with Rng::below: the same permutation on every platform.
template <typename T>
void shuffle_in_place(std::vector<T>& items, Rng& rng) {
  for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng.below(i)]);
}

}  // namespace visage::data

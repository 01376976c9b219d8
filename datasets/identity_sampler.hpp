// FaceNet's identity-balanced batches: P identities x K images each, so that every anchor has
// positives in the batch. Identities are visited epoch by epoch in a fresh random order (every
// identity once per epoch), the K images of an identity are drawn at random without repetition
// when it has at least K. Identities with fewer than K images either repeat images (all of them
// first, then random repeats) or are never sampled, as configured.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/batch_sampler.hpp"

namespace visage::data {

enum class ShortIdentityPolicy { with_replacement, skip };

struct IdentitySamplerConfig {
  int identities_per_batch = 0;  // P
  int images_per_identity = 0;   // K
  ShortIdentityPolicy short_identity = ShortIdentityPolicy::with_replacement;
  uint64_t seed = 1;
};

class IdentitySampler : public BatchSampler {
 public:
  // `images_per_identity[i]` is the image count of identity i. Throws when fewer than P
  // identities can be sampled.
  IdentitySampler(std::vector<int> images_per_identity, IdentitySamplerConfig config);

  int batch_size() const override {
    return config_.identities_per_batch * config_.images_per_identity;
  }
  int group_size() const override { return config_.images_per_identity; }
  // Samples are grouped by identity: positions [p K, (p + 1) K) share one identity.
  BatchPlan next_batch() override;
  std::string save_state() const override;
  void load_state(const std::string& state) override;

  int64_t epoch() const { return epoch_; }
  int eligible_identities() const { return static_cast<int>(eligible_.size()); }

 private:
  void start_epoch(int64_t epoch);
  int take_identity_not_in(const std::vector<int>& chosen);
  void draw_images(int identity, Rng& rng, std::vector<SampleRef>& out) const;

  std::vector<int> images_per_identity_;
  IdentitySamplerConfig config_;
  std::vector<int> eligible_;  // identities that may be sampled, ascending

  int64_t batch_index_ = 0;
  int64_t epoch_ = 0;
  std::vector<int> order_;  // this epoch's identity order (swaps keep each batch duplicate-free)
  size_t cursor_ = 0;
};

}  // namespace visage::data

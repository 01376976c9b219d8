#include "datasets/shuffle_sampler.hpp"

#include "core/error.hpp"
#include "datasets/seeds.hpp"
#include "proto/visage.pb.h"

namespace visage::data {

ShuffleSampler::ShuffleSampler(std::vector<SampleRef> items, int batch_size, bool shuffle,
                               uint64_t seed, int64_t skip)
    : items_(std::move(items)), batch_size_(batch_size), shuffle_(shuffle), seed_(seed) {
  VISAGE_CHECK(batch_size_ > 0, "batch size must be > 0, not ", batch_size_);
  VISAGE_CHECK(!items_.empty(), "no images to sample from");
  VISAGE_CHECK(skip >= 0, "cannot skip ", skip, " images");
  start_epoch(0);
  cursor_ = static_cast<size_t>(skip) % order_.size();
}

void ShuffleSampler::start_epoch(int64_t epoch) {
  epoch_ = epoch;
  order_ = items_;
  if (shuffle_) {
    Rng rng = derive_rng(seed_, {static_cast<uint64_t>(epoch)});
    shuffle_in_place(order_, rng);
  }
  cursor_ = 0;
}

BatchPlan ShuffleSampler::next_batch() {
  BatchPlan plan;
  plan.index = batch_index_++;
  plan.samples.reserve(static_cast<size_t>(batch_size_));
  while (static_cast<int>(plan.samples.size()) < batch_size_) {
    if (cursor_ == order_.size()) start_epoch(epoch_ + 1);
    plan.samples.push_back(order_[cursor_++]);
  }
  return plan;
}

std::string ShuffleSampler::save_state() const {
  proto::SamplerState state;
  state.set_kind(proto::SamplerState::SHUFFLE);
  state.set_items(items_.size());
  state.set_seed(seed_);
  state.set_batch_index(batch_index_);
  state.set_epoch(epoch_);
  state.set_cursor(cursor_);
  return state.SerializeAsString();
}

void ShuffleSampler::load_state(const std::string& serialized) {
  proto::SamplerState state;
  VISAGE_CHECK(state.ParseFromString(serialized) && state.kind() == proto::SamplerState::SHUFFLE,
               "saved state is not a shuffling sampler's");
  VISAGE_CHECK(state.items() == items_.size(), "saved sampler state covers ", state.items(),
               " images; the data now has ", items_.size());
  VISAGE_CHECK(state.cursor() <= state.items() && state.batch_index() >= 0 && state.epoch() >= 0,
               "saved sampler state is damaged");
  seed_ = state.seed();
  start_epoch(state.epoch());
  batch_index_ = state.batch_index();
  cursor_ = state.cursor();
}

}  // namespace visage::data

#include "datasets/identity_sampler.hpp"

#include <algorithm>
#include <numeric>

#include "core/error.hpp"
#include "datasets/seeds.hpp"
#include "proto/visage.pb.h"

namespace visage::data {
namespace {

// Distinguishes the random streams derived from one seed.
constexpr uint64_t kEpochStream = 1;
constexpr uint64_t kBatchStream = 2;

}  // namespace

IdentitySampler::IdentitySampler(std::vector<int> images_per_identity, IdentitySamplerConfig config)
    : images_per_identity_(std::move(images_per_identity)), config_(config) {
  const int p = config_.identities_per_batch;
  const int k = config_.images_per_identity;
  VISAGE_CHECK(p > 0 && k > 0, "P x K sampling needs P > 0 identities and K > 0 images, not ", p,
               " x ", k);
  for (size_t i = 0; i < images_per_identity_.size(); ++i) {
    const int n = images_per_identity_[i];
    if (n >= k || (n > 0 && config_.short_identity == ShortIdentityPolicy::with_replacement)) {
      eligible_.push_back(static_cast<int>(i));
    }
  }
  VISAGE_CHECK(static_cast<int>(eligible_.size()) >= p, "P x K sampling needs at least P = ", p,
               " identities",
               config_.short_identity == ShortIdentityPolicy::skip
                   ? " with K = " + std::to_string(k) + " or more images"
                   : std::string(" with images"),
               "; the data has ", eligible_.size());
  start_epoch(0);
}

void IdentitySampler::start_epoch(int64_t epoch) {
  epoch_ = epoch;
  order_ = eligible_;
  Rng rng = derive_rng(config_.seed, {kEpochStream, static_cast<uint64_t>(epoch)});
  shuffle_in_place(order_, rng);
  cursor_ = 0;
}

int IdentitySampler::take_identity_not_in(const std::vector<int>& chosen) {
  const auto in_batch = [&](int identity) {
    return std::find(chosen.begin(), chosen.end(), identity) != chosen.end();
  };
  size_t j = cursor_;
  while (j < order_.size() && in_batch(order_[j])) ++j;
  if (j == order_.size()) {
    // The rest of this epoch is already in the batch: its identities were seen; begin the next.
    start_epoch(epoch_ + 1);
    return take_identity_not_in(chosen);
  }
  // Identities skipped over stay in this epoch's remainder.
  std::swap(order_[cursor_], order_[j]);
  return order_[cursor_++];
}

void IdentitySampler::draw_images(int identity, Rng& rng, std::vector<SampleRef>& out) const {
  const int n = images_per_identity_[static_cast<size_t>(identity)];
  const int k = config_.images_per_identity;
  std::vector<int> indices(static_cast<size_t>(n));
  std::iota(indices.begin(), indices.end(), 0);
  // A partial Fisher-Yates: the first min(n, k) positions become a uniform random selection.
  const int distinct = std::min(n, k);
  for (int i = 0; i < distinct; ++i) {
    const auto j = i + static_cast<int>(rng.below(static_cast<uint64_t>(n - i)));
    std::swap(indices[static_cast<size_t>(i)], indices[static_cast<size_t>(j)]);
    out.push_back({identity, indices[static_cast<size_t>(i)]});
  }
  for (int i = distinct; i < k; ++i) {
    out.push_back({identity, static_cast<int>(rng.below(static_cast<uint64_t>(n)))});
  }
}

BatchPlan IdentitySampler::next_batch() {
  BatchPlan plan;
  plan.index = batch_index_;
  std::vector<int> chosen;
  for (int p = 0; p < config_.identities_per_batch; ++p) {
    if (cursor_ == order_.size()) start_epoch(epoch_ + 1);
    chosen.push_back(take_identity_not_in(chosen));
  }
  Rng rng = derive_rng(config_.seed, {kBatchStream, static_cast<uint64_t>(batch_index_)});
  plan.samples.reserve(static_cast<size_t>(batch_size()));
  for (int identity : chosen) draw_images(identity, rng, plan.samples);
  ++batch_index_;
  return plan;
}

std::string IdentitySampler::save_state() const {
  proto::SamplerState state;
  state.set_kind(proto::SamplerState::IDENTITY);
  state.set_items(order_.size());
  state.set_seed(config_.seed);
  state.set_batch_index(batch_index_);
  state.set_epoch(epoch_);
  state.set_cursor(cursor_);
  state.mutable_order()->Add(order_.begin(), order_.end());
  return state.SerializeAsString();
}

void IdentitySampler::load_state(const std::string& serialized) {
  proto::SamplerState state;
  VISAGE_CHECK(state.ParseFromString(serialized) && state.kind() == proto::SamplerState::IDENTITY,
               "saved state is not an identity sampler's");
  VISAGE_CHECK(state.items() == eligible_.size() &&
                   static_cast<size_t>(state.order_size()) == eligible_.size(),
               "saved sampler state covers ", state.order_size(), " identities; the data now has ",
               eligible_.size());
  VISAGE_CHECK(state.cursor() <= state.items() && state.batch_index() >= 0 && state.epoch() >= 0,
               "saved sampler state is damaged");
  std::vector<int> order(state.order().begin(), state.order().end());
  std::vector<int> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  VISAGE_CHECK(sorted == eligible_, "saved sampler state lists other identities than the data's");
  config_.seed = state.seed();
  batch_index_ = state.batch_index();
  epoch_ = state.epoch();
  order_ = std::move(order);
  cursor_ = state.cursor();
}

}  // namespace visage::data

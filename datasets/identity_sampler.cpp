#include "datasets/identity_sampler.hpp"

#include <algorithm>
#include <numeric>
#include <sstream>

#include "core/error.hpp"
#include "datasets/seeds.hpp"

namespace visage::data {
namespace {

constexpr const char* kStateVersion = "identity_sampler_v1";
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
  std::ostringstream out;
  out << kStateVersion << ' ' << config_.seed << ' ' << batch_index_ << ' ' << epoch_ << ' '
      << cursor_ << ' ' << order_.size();
  for (int identity : order_) out << ' ' << identity;
  return out.str();
}

void IdentitySampler::load_state(const std::string& state) {
  std::istringstream in(state);
  std::string version;
  uint64_t seed = 0;
  int64_t batch_index = 0;
  int64_t epoch = 0;
  size_t cursor = 0;
  size_t size = 0;
  in >> version >> seed >> batch_index >> epoch >> cursor >> size;
  VISAGE_CHECK(in && version == kStateVersion, "saved state is not an identity sampler's");
  VISAGE_CHECK(size == eligible_.size(), "saved sampler state covers ", size,
               " identities; the data now has ", eligible_.size());
  std::vector<int> order(size);
  for (int& identity : order) in >> identity;
  VISAGE_CHECK(!in.fail() && cursor <= size && batch_index >= 0 && epoch >= 0,
               "saved sampler state is damaged");
  std::vector<int> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  VISAGE_CHECK(sorted == eligible_, "saved sampler state lists other identities than the data's");
  config_.seed = seed;
  batch_index_ = batch_index;
  epoch_ = epoch;
  order_ = std::move(order);
  cursor_ = cursor;
}

}  // namespace visage::data

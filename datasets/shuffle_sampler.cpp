#include "datasets/shuffle_sampler.hpp"

#include <sstream>

#include "core/error.hpp"
#include "datasets/seeds.hpp"

namespace visage::data {
namespace {
constexpr const char* kStateVersion = "shuffle_sampler_v1";
}  // namespace

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
  std::ostringstream out;
  out << kStateVersion << ' ' << items_.size() << ' ' << seed_ << ' ' << batch_index_ << ' '
      << epoch_ << ' ' << cursor_;
  return out.str();
}

void ShuffleSampler::load_state(const std::string& state) {
  std::istringstream in(state);
  std::string version;
  size_t items = 0;
  uint64_t seed = 0;
  int64_t batch_index = 0;
  int64_t epoch = 0;
  size_t cursor = 0;
  in >> version >> items >> seed >> batch_index >> epoch >> cursor;
  VISAGE_CHECK(in && version == kStateVersion, "saved state is not a shuffling sampler's");
  VISAGE_CHECK(items == items_.size(), "saved sampler state covers ", items,
               " images; the data now has ", items_.size());
  VISAGE_CHECK(cursor <= items && batch_index >= 0 && epoch >= 0, "saved sampler state is damaged");
  seed_ = seed;
  start_epoch(epoch);
  batch_index_ = batch_index;
  cursor_ = cursor;
}

}  // namespace visage::data

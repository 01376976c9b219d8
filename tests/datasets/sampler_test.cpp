#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/error.hpp"
#include "datasets/identity_sampler.hpp"
#include "datasets/shuffle_sampler.hpp"

namespace visage::data {
namespace {

IdentitySamplerConfig pk(int p, int k,
                         ShortIdentityPolicy policy = ShortIdentityPolicy::with_replacement,
                         uint64_t seed = 11) {
  return {p, k, policy, seed};
}

TEST(IdentitySampler, BatchesHavePDistinctIdentitiesOfKImages) {
  const std::vector<int> counts = {5, 8, 3, 10, 4, 6, 7};
  IdentitySampler sampler(counts, pk(3, 3));
  for (int b = 0; b < 50; ++b) {
    const BatchPlan plan = sampler.next_batch();
    EXPECT_EQ(plan.index, b);
    ASSERT_EQ(plan.samples.size(), 9u);
    std::set<int> identities;
    for (int p = 0; p < 3; ++p) {
      const int identity = plan.samples[static_cast<size_t>(3 * p)].identity;
      identities.insert(identity);
      std::set<int> images;
      for (int k = 0; k < 3; ++k) {
        const SampleRef& s = plan.samples[static_cast<size_t>(3 * p + k)];
        EXPECT_EQ(s.identity, identity);  // grouped by identity
        EXPECT_GE(s.index, 0);
        EXPECT_LT(s.index, counts[static_cast<size_t>(identity)]);
        images.insert(s.index);
      }
      EXPECT_EQ(images.size(), 3u) << "K distinct images when the identity has K or more";
    }
    EXPECT_EQ(identities.size(), 3u);
  }
}

TEST(IdentitySampler, EveryIdentityOncePerEpoch) {
  // 7 identities, 2 per batch: within the first 3 batches (6 slots) no identity repeats, and
  // over 7 batches (two epochs) every identity appears exactly twice.
  IdentitySampler sampler(std::vector<int>(7, 4), pk(2, 2));
  std::map<int, int> seen;
  for (int b = 0; b < 7; ++b) {
    const BatchPlan plan = sampler.next_batch();
    for (size_t i = 0; i < plan.samples.size(); i += 2) ++seen[plan.samples[i].identity];
    if (b == 2) {
      EXPECT_EQ(seen.size(), 6u);
      for (const auto& [identity, n] : seen) EXPECT_EQ(n, 1) << identity;
    }
  }
  ASSERT_EQ(seen.size(), 7u);
  for (const auto& [identity, n] : seen) EXPECT_EQ(n, 2) << identity;
}

TEST(IdentitySampler, ShortIdentitiesRepeatOrAreSkipped) {
  const std::vector<int> counts = {1, 2, 5, 5};
  IdentitySampler repeat(counts, pk(4, 3));
  const BatchPlan plan = repeat.next_batch();
  std::map<int, std::set<int>> images;
  for (const SampleRef& s : plan.samples) images[s.identity].insert(s.index);
  EXPECT_EQ(images[0], (std::set<int>{0}));
  EXPECT_EQ(images[1], (std::set<int>{0, 1}));  // all its images first, then repeats

  IdentitySampler skip(counts, pk(2, 3, ShortIdentityPolicy::skip));
  EXPECT_EQ(skip.eligible_identities(), 2);
  for (int b = 0; b < 10; ++b) {
    for (const SampleRef& s : skip.next_batch().samples) EXPECT_GE(s.identity, 2);
  }
  EXPECT_THROW(IdentitySampler(counts, pk(3, 3, ShortIdentityPolicy::skip)), Error);
}

TEST(IdentitySampler, DeterministicPerSeedAndResumable) {
  const std::vector<int> counts = {5, 8, 3, 10, 4, 6, 7, 2, 9};
  IdentitySampler a(counts, pk(4, 2));
  IdentitySampler b(counts, pk(4, 2));
  IdentitySampler other(counts, pk(4, 2, ShortIdentityPolicy::with_replacement, 12));
  bool differs = false;
  std::string state;
  std::vector<BatchPlan> after;
  for (int i = 0; i < 12; ++i) {
    const BatchPlan pa = a.next_batch();
    EXPECT_EQ(pa.samples, b.next_batch().samples);
    differs |= pa.samples != other.next_batch().samples;
    if (i == 5) state = a.save_state();
    if (i > 5) after.push_back(pa);
  }
  EXPECT_TRUE(differs);
  IdentitySampler resumed(counts, pk(4, 2, ShortIdentityPolicy::with_replacement, 99));
  resumed.load_state(state);  // the seed is part of the state
  for (const BatchPlan& expected : after) {
    const BatchPlan got = resumed.next_batch();
    EXPECT_EQ(got.index, expected.index);
    EXPECT_EQ(got.samples, expected.samples);
  }
  IdentitySampler smaller(std::vector<int>{1, 2, 3, 4}, pk(2, 2));
  EXPECT_THROW(smaller.load_state(state), Error);
}

std::vector<SampleRef> items(int n) {
  std::vector<SampleRef> out;
  for (int i = 0; i < n; ++i) out.push_back({i % 3, i});
  return out;
}

TEST(ShuffleSampler, SequentialWithoutShuffleWrapsAcrossEpochs) {
  ShuffleSampler sampler(items(5), 3, false, 1);
  EXPECT_EQ(sampler.next_batch().samples, (std::vector<SampleRef>{{0, 0}, {1, 1}, {2, 2}}));
  EXPECT_EQ(sampler.next_batch().samples, (std::vector<SampleRef>{{0, 3}, {1, 4}, {0, 0}}));
  ShuffleSampler skipped(items(5), 2, false, 1, 3);
  EXPECT_EQ(skipped.next_batch().samples, (std::vector<SampleRef>{{0, 3}, {1, 4}}));
}

TEST(ShuffleSampler, ShufflesEachEpochAsAPermutation) {
  ShuffleSampler sampler(items(10), 5, true, 7);
  std::set<int> first_epoch;
  std::vector<SampleRef> epoch0;
  for (int b = 0; b < 2; ++b) {
    for (const SampleRef& s : sampler.next_batch().samples) {
      first_epoch.insert(s.index);
      epoch0.push_back(s);
    }
  }
  EXPECT_EQ(first_epoch.size(), 10u);
  EXPECT_NE(epoch0, items(10));
  const std::string state = sampler.save_state();
  const BatchPlan next = sampler.next_batch();
  ShuffleSampler resumed(items(10), 5, true, 1);
  resumed.load_state(state);
  EXPECT_EQ(resumed.next_batch().samples, next.samples);
}

}  // namespace
}  // namespace visage::data

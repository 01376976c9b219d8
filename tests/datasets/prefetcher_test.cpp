#include "datasets/prefetcher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "core/error.hpp"
#include "datasets/identity_sampler.hpp"
#include "datasets/shuffle_sampler.hpp"
#include "tests/datasets/dataset_test_support.hpp"

namespace visage::data {
namespace {

// Images made in memory, as the synthetic generator will: identity i, image j is a pattern
// image whose first pixel is 10 i + j. Images listed in `bad` fail to load.
class MemorySource : public FaceSource {
 public:
  MemorySource(std::vector<int> counts, std::set<std::pair<int, int>> bad = {})
      : counts_(std::move(counts)), bad_(std::move(bad)) {}
  int num_identities() const override { return static_cast<int>(counts_.size()); }
  int num_images(int identity) const override { return counts_[static_cast<size_t>(identity)]; }
  Image load(int identity, int index) const override {
    {
      const std::lock_guard lock(loads_mutex_);
      ++loads_[{identity, index}];
    }
    if (bad_.count({identity, index}) != 0) fail(describe(identity, index), ": corrupt");
    return testing::pattern_image(6, 6, 10 * identity + index);
  }
  int label(int identity) const override { return 100 + identity; }
  std::string describe(int identity, int index) const override {
    return "memory:" + std::to_string(identity) + "/" + std::to_string(index);
  }
  // How often each image was loaded so far.
  std::map<std::pair<int, int>, int> loads() const {
    const std::lock_guard lock(loads_mutex_);
    return loads_;
  }

 private:
  std::vector<int> counts_;
  std::set<std::pair<int, int>> bad_;
  mutable std::mutex loads_mutex_;
  mutable std::map<std::pair<int, int>, int> loads_;
};

std::shared_ptr<const TransformPipeline> augmenting_pipeline() {
  proto::FaceTransformParameter p;
  p.set_crop_height(4);
  p.set_crop_width(4);
  p.set_mirror(true);
  p.set_brightness(0.3f);
  return std::make_shared<const TransformPipeline>(p, true);
}

struct Batches {
  std::vector<std::vector<float>> data;
  std::vector<std::vector<float>> labels;
};

Batches run_batches(std::shared_ptr<const FaceSource> source, int threads, int batches,
                    int rank = 0, int world = 1, int p = 2,
                    std::shared_ptr<BadImageLog> log = nullptr) {
  PrefetchOptions options;
  options.threads = threads;
  options.depth = 2;
  options.seed = 42;
  options.rank = rank;
  options.world_size = world;
  auto sampler = std::make_unique<IdentitySampler>(std::vector<int>{3, 4, 2, 5, 3},
                                                   IdentitySamplerConfig{p * world, 2, {}, 42});
  Prefetcher prefetcher(std::move(source), std::move(sampler), augmenting_pipeline(), {3, 4, 4},
                        options, std::move(log));
  Batches out;
  for (int b = 0; b < batches; ++b) {
    std::vector<float> data(static_cast<size_t>(prefetcher.batch_size() * 48));
    std::vector<float> labels(static_cast<size_t>(prefetcher.batch_size()));
    prefetcher.next(data, labels);
    out.data.push_back(std::move(data));
    out.labels.push_back(std::move(labels));
  }
  return out;
}

TEST(Prefetcher, SameBatchesForAnyNumberOfThreads) {
  const auto source = std::make_shared<MemorySource>(std::vector<int>{3, 4, 2, 5, 3});
  const Batches one = run_batches(source, 1, 6);
  const Batches four = run_batches(source, 4, 6);
  const Batches again = run_batches(source, 4, 6);
  EXPECT_EQ(one.data, four.data);
  EXPECT_EQ(one.labels, four.labels);
  EXPECT_EQ(four.data, again.data);
  for (float label : one.labels[0]) EXPECT_GE(label, 100);
  EXPECT_EQ(one.labels[0][0], one.labels[0][1]);  // K = 2 images of one identity
}

// Batches through a pipeline whose head makes floats (precrop, resize) and whose tail draws at
// random (rotation, crop, mirror, brightness), or, without `float_head`, an 8-bit head (precrop)
// and crop, mirror and brightness; with `cache_bytes` of prepared images kept.
struct CachedRun {
  Batches batches;
  int64_t kept_images = 0;
  int64_t kept_bytes = 0;
};

CachedRun run_cached(std::shared_ptr<const FaceSource> source, int threads, int64_t cache_bytes,
                     bool float_head = true) {
  proto::FaceTransformParameter p;
  p.set_precrop_height(5);
  p.set_precrop_width(5);
  const int crop = float_head ? 6 : 4;
  if (float_head) {
    p.set_resize_height(8);
    p.set_resize_width(8);
    p.set_max_rotation_degrees(10);
  }
  p.set_crop_height(crop);
  p.set_crop_width(crop);
  p.set_mirror(true);
  p.set_brightness(0.3f);
  PrefetchOptions options;
  options.threads = threads;
  options.seed = 7;
  options.cache_bytes = cache_bytes;
  Prefetcher prefetcher(std::move(source),
                        std::make_unique<IdentitySampler>(std::vector<int>{3, 4, 2, 5, 3},
                                                          IdentitySamplerConfig{2, 2, {}, 7}),
                        std::make_shared<const TransformPipeline>(p, true), {3, crop, crop},
                        options, std::make_shared<BadImageLog>(WarningSink{}));
  CachedRun run;
  for (int b = 0; b < 12; ++b) {  // 48 draws of the 17 images
    std::vector<float> data(static_cast<size_t>(4 * 3 * crop * crop));
    std::vector<float> labels(4);
    prefetcher.next(data, labels);
    run.batches.data.push_back(std::move(data));
    run.batches.labels.push_back(std::move(labels));
  }
  if (prefetcher.cache() != nullptr) {
    const PreparedImageCache::Usage usage = prefetcher.cache()->usage();
    run.kept_images = usage.images;
    run.kept_bytes = usage.bytes;
  }
  return run;
}

// The most times any one image was loaded, and how many images were loaded at least once.
std::pair<int, int> most_loads_and_images(const MemorySource& source) {
  int most = 0;
  int images = 0;
  for (const auto& [image, count] : source.loads()) {
    most = std::max(most, count);
    images += count > 0 ? 1 : 0;
  }
  return {most, images};
}

TEST(Prefetcher, KeptImagesGiveTheSameBatchesWithoutBeingReadAgain) {
  // The decoder threads prepare batches ahead of next(), so load counts are checked for what
  // holds however far ahead they got.
  constexpr int64_t kPrepared = 8 * 8 * 3 * sizeof(float);
  const std::vector<int> counts{3, 4, 2, 5, 3};
  const auto plain_source = std::make_shared<MemorySource>(counts);
  const CachedRun plain = run_cached(plain_source, 1, 0);
  EXPECT_EQ(plain.kept_images, 0);
  EXPECT_GT(most_loads_and_images(*plain_source).first, 1);  // 48 draws of 17 images

  // Room for all: no image is read twice.
  const auto all_source = std::make_shared<MemorySource>(counts);
  const CachedRun all = run_cached(all_source, 1, 100 * kPrepared);
  EXPECT_EQ(all.batches.data, plain.batches.data);
  EXPECT_EQ(all.batches.labels, plain.batches.labels);
  const auto [all_most, all_images] = most_loads_and_images(*all_source);
  EXPECT_EQ(all_most, 1);
  EXPECT_GE(all_images, 12);

  // Room for five and a half: the first five images read are kept, each read once; the others
  // are read each time they are drawn.
  const auto five_source = std::make_shared<MemorySource>(counts);
  const CachedRun five = run_cached(five_source, 1, 5 * kPrepared + kPrepared / 2);
  EXPECT_EQ(five.batches.data, plain.batches.data);
  EXPECT_EQ(five.kept_images, 5);
  EXPECT_EQ(five.kept_bytes, 5 * kPrepared);
  int kept_read_once = 0;
  int read_again = 0;
  for (const auto& [image, count] : five_source->loads()) {
    (count == 1 ? kept_read_once : read_again) += 1;
  }
  EXPECT_GE(kept_read_once, 5);
  EXPECT_GT(read_again, 0);

  // Threads racing to prepare the same image keep one copy, with the same batches.
  const CachedRun threaded = run_cached(std::make_shared<MemorySource>(counts), 4, 100 * kPrepared);
  EXPECT_EQ(threaded.batches.data, plain.batches.data);
  EXPECT_GE(threaded.kept_images, 12);

  // 8-bit prepared images (5 x 5 x 3 bytes), and unreadable images (another image of the same
  // identity's takes their place, and is kept under its own name), change nothing either.
  const auto eight_bit = [&](int64_t cache_bytes) {
    return run_cached(std::make_shared<MemorySource>(counts), 2, cache_bytes, false);
  };
  const CachedRun kept_bytes = eight_bit(1000);
  EXPECT_EQ(kept_bytes.batches.data, eight_bit(0).batches.data);
  EXPECT_EQ(kept_bytes.kept_bytes, kept_bytes.kept_images * 75);
  const std::set<std::pair<int, int>> bad = {{0, 0}, {1, 2}};
  const CachedRun bad_kept =
      run_cached(std::make_shared<MemorySource>(counts, bad), 2, 100 * kPrepared);
  EXPECT_EQ(bad_kept.batches.data,
            run_cached(std::make_shared<MemorySource>(counts, bad), 2, 0).batches.data);
}

TEST(Prefetcher, RanksReadDisjointSlicesOfOneGlobalBatch) {
  const auto source = std::make_shared<MemorySource>(std::vector<int>{3, 4, 2, 5, 3});
  const Batches global = run_batches(source, 2, 3, 0, 1, 4);
  const Batches rank0 = run_batches(source, 2, 3, 0, 2, 2);
  const Batches rank1 = run_batches(source, 2, 3, 1, 2, 2);
  for (size_t b = 0; b < 3; ++b) {
    std::vector<float> joined = rank0.data[b];
    joined.insert(joined.end(), rank1.data[b].begin(), rank1.data[b].end());
    EXPECT_EQ(joined, global.data[b]);
  }
}

TEST(Prefetcher, ResumesFromASavedState) {
  const auto source = std::make_shared<MemorySource>(std::vector<int>{3, 4, 2, 5, 3});
  const Batches straight = run_batches(source, 2, 5);
  PrefetchOptions options;
  options.threads = 3;
  options.depth = 2;
  options.seed = 42;
  auto make = [&] {
    return std::make_unique<Prefetcher>(
        source,
        std::make_unique<IdentitySampler>(std::vector<int>{3, 4, 2, 5, 3},
                                          IdentitySamplerConfig{2, 2, {}, 42}),
        augmenting_pipeline(), SampleShape{3, 4, 4}, options, nullptr);
  };
  std::vector<float> data(4 * 48);
  std::vector<float> labels(4);
  std::string state;
  {
    auto first = make();
    first->next(data, labels);
    first->next(data, labels);
    state = first->save_state();
    first->next(data, labels);  // read ahead and consumed, but after the snapshot
  }
  auto resumed = make();
  resumed->load_state(state);
  for (size_t b = 2; b < 5; ++b) {
    resumed->next(data, labels);
    EXPECT_EQ(data, straight.data[b]) << "batch " << b;
  }
}

TEST(Prefetcher, SkipsBadImagesWithOneWarningOrFails) {
  std::vector<std::string> warnings;
  auto log = std::make_shared<BadImageLog>([&](const std::string& w) { warnings.push_back(w); });
  const std::set<std::pair<int, int>> bad = {{0, 0}, {1, 2}};
  const auto source = std::make_shared<MemorySource>(std::vector<int>{3, 4, 2, 5, 3}, bad);
  const Batches skipped = run_batches(source, 2, 20, 0, 1, 2, log);
  EXPECT_EQ(log->count(), 2u);
  EXPECT_EQ(warnings.size(), 2u);
  for (const std::string& w : warnings) EXPECT_NE(w.find("corrupt"), std::string::npos);
  // The same run with one thread substitutes the same images.
  EXPECT_EQ(run_batches(source, 1, 20, 0, 1, 2, std::make_shared<BadImageLog>(WarningSink{})).data,
            skipped.data);

  PrefetchOptions strict;
  strict.threads = 2;
  strict.seed = 1;
  strict.skip_bad_images = false;
  // Every identity has a bad first image: sequential reading hits one in the first batch.
  const auto all_bad = std::make_shared<MemorySource>(
      std::vector<int>{2, 2}, std::set<std::pair<int, int>>{{0, 0}, {1, 0}});
  Prefetcher prefetcher(all_bad,
                        std::make_unique<ShuffleSampler>(all_bad->natural_order(), 4, false, 1),
                        augmenting_pipeline(), {3, 4, 4}, strict, nullptr);
  std::vector<float> data(4 * 48);
  std::vector<float> labels(4);
  try {
    prefetcher.next(data, labels);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("memory:0/0: corrupt"), std::string::npos) << e.what();
  }
}

TEST(Prefetcher, IdentityWithNoReadableImageIsAnError) {
  const auto source =
      std::make_shared<MemorySource>(std::vector<int>{1, 1}, std::set<std::pair<int, int>>{{1, 0}});
  PrefetchOptions options;
  options.threads = 1;
  Prefetcher prefetcher(
      source, std::make_unique<ShuffleSampler>(source->natural_order(), 2, false, 1),
      augmenting_pipeline(), {3, 4, 4}, options, std::make_shared<BadImageLog>(WarningSink{}));
  std::vector<float> data(2 * 48);
  std::vector<float> labels(2);
  EXPECT_THROW(prefetcher.next(data, labels), Error);
}

// A MemorySource whose loads wait at a gate until it opens, counting how many are waiting: with
// the gate shut, the batches being prepared stay half done for as long as the test wants.
class GatedSource : public MemorySource {
 public:
  using MemorySource::MemorySource;
  Image load(int identity, int index) const override {
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    --waiting_;
    ++finished_;
    lock.unlock();
    return MemorySource::load(identity, index);
  }
  // Whether `n` loads wait at the gate within `timeout`.
  bool wait_for_waiting(int n, std::chrono::seconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return waiting_ == n; });
  }
  // Opens the gate for good; returns how many loads were waiting at it.
  int open() {
    const std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
    return waiting_;
  }
  int waiting() const {
    const std::lock_guard lock(mutex_);
    return waiting_;
  }
  int finished() const {
    const std::lock_guard lock(mutex_);
    return finished_;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  mutable int waiting_ = 0;
  mutable int finished_ = 0;
  bool open_ = false;
};

TEST(Prefetcher, DestroysCleanlyWhileBatchesAreInFlight) {
  const auto source = std::make_shared<GatedSource>(std::vector<int>{3, 4, 2, 5, 3});
  PrefetchOptions options;
  options.threads = 3;
  options.depth = 4;
  auto prefetcher = std::make_unique<Prefetcher>(
      source, std::make_unique<ShuffleSampler>(source->natural_order(), 5, true, 3),
      augmenting_pipeline(), SampleShape{3, 4, 4}, options, nullptr);
  // Every thread is inside load(): the first batch of 5 has 3 images in progress and none done.
  const bool all_held = source->wait_for_waiting(options.threads, std::chrono::seconds(30));
  if (!all_held) source->open();  // let the prefetcher go before failing
  ASSERT_TRUE(all_held) << source->waiting() << " of " << options.threads << " loads started";
  EXPECT_EQ(source->finished(), 0);

  // The destructor joins the threads, so the gate must open while it waits for them: a second
  // thread opens it once the destructor has been called (and, after a pause, is under way).
  std::atomic<bool> destroying = false;
  int held_at_opening = 0;
  std::thread opener([&] {
    while (!destroying) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    held_at_opening = source->open();
  });
  destroying = true;
  prefetcher.reset();
  opener.join();
  EXPECT_EQ(held_at_opening, options.threads);
  // No thread is left inside the source, and the prefetcher kept no reference to it.
  EXPECT_EQ(source->waiting(), 0);
  EXPECT_GE(source->finished(), options.threads);
  EXPECT_EQ(source.use_count(), 1);
}

}  // namespace
}  // namespace visage::data

// Prepares batches ahead of the training loop on a pool of decoder threads. A sampler plans each
// batch on whichever thread needs one next; threads then take single images of the planned batches
// and load, transform and write them into one of `depth` ready-batch slots.
//
// Determinism: image i of batch b is transformed with an Rng derived from (seed, b, i), never
// from a shared generator, so the batches are the same for any number of threads and any timing.
// Sharding: every rank runs the same sampler over the global batch (world_size x the local batch)
// and decodes only its own slice, so the ranks' batches are disjoint parts of one global batch
// (whole identities each, for P x K sampling). Shutdown: the threads stop and are joined when the
// prefetcher is destroyed or restarted, also while a batch is half done; an error while preparing
// a batch is rethrown by the next() that would have returned it. Caching: with cache_bytes set,
// images are prepared (decoded, precropped, resized) once and kept, and only the random steps
// run each time an image is drawn; the batches are the same either way.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "datasets/bad_images.hpp"
#include "datasets/batch_sampler.hpp"
#include "datasets/face_source.hpp"
#include "datasets/prepared_image_cache.hpp"
#include "datasets/transform_pipeline.hpp"

namespace visage::data {

struct PrefetchOptions {
  int threads = 0;  // 0: one per hardware thread
  int depth = 3;    // batches prepared ahead
  uint64_t seed = 1;
  int rank = 0;
  int world_size = 1;
  // Unreadable images are replaced by the next readable image of the same identity (and logged)
  // instead of failing the batch.
  bool skip_bad_images = true;
  // Prepared images kept in memory (datasets/prepared_image_cache.hpp), up to this many bytes.
  int64_t cache_bytes = 0;
};

// What one image becomes in a batch.
struct SampleShape {
  int channels = 0;
  int height = 0;
  int width = 0;
  int64_t count() const { return int64_t{channels} * height * width; }
};

class Prefetcher {
 public:
  // The sampler's batch size is the global one and must divide into world_size slices of whole
  // groups. Starts the threads.
  Prefetcher(std::shared_ptr<const FaceSource> source, std::unique_ptr<BatchSampler> sampler,
             std::shared_ptr<const TransformPipeline> pipeline, SampleShape shape,
             PrefetchOptions options, std::shared_ptr<BadImageLog> bad_images);
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  int batch_size() const { return local_batch_; }  // this rank's
  const SampleShape& sample_shape() const { return shape_; }
  // nullptr without cache_bytes.
  const PreparedImageCache* cache() const { return cache_.get(); }

  // Waits for the next batch and copies it out: `data` batch_size() x C x H x W, `labels`
  // batch_size() values.
  void next(std::span<float> data, std::span<float> labels);

  // The sampler's position after the last batch next() returned: restoring it makes the next
  // next() return what it would have returned without the interruption.
  std::string save_state() const;
  void load_state(const std::string& state);

 private:
  struct Slot {
    BatchPlan plan;  // this rank's slice of the global batch
    std::string sampler_state_after;
    std::vector<float> data;
    std::vector<float> labels;
    int handed_out = 0;  // samples given to threads
    int remaining = 0;   // samples not yet written
    bool ready = false;
    std::exception_ptr error;
    int error_position = 0;
  };

  void start();
  void stop();
  void work(std::stop_token stop);
  // Under the lock: finds or plans the batch with samples to hand out; nullptr when all slots are
  // waiting to be consumed.
  Slot* slot_with_work();
  void produce(Slot& slot, int position);
  // The sample's image prepared, or, when it cannot be read and bad images are skipped, the
  // next readable image of its identity's.
  std::shared_ptr<const PreparedImage> prepare_readable(const SampleRef& sample) const;

  std::shared_ptr<const FaceSource> source_;
  std::unique_ptr<BatchSampler> sampler_;
  std::shared_ptr<const TransformPipeline> pipeline_;
  SampleShape shape_;
  PrefetchOptions options_;
  std::shared_ptr<BadImageLog> bad_images_;
  int local_batch_ = 0;
  std::unique_ptr<PreparedImageCache> cache_;

  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  std::vector<Slot> slots_;
  int64_t planned_ = 0;   // batches planned since start()
  int64_t consumed_ = 0;  // batches returned by next() since start()
  std::string consumed_state_;
  std::exception_ptr planning_error_;
  // Last member: destroyed (stopped and joined) first, while everything above still exists.
  std::vector<std::jthread> threads_;
};

}  // namespace visage::data

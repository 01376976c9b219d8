// Prepared images (TransformPipeline::prepare) kept in memory per image of a source, up to a
// budget of bytes. Once a dataset that fits has been drawn, its images are neither decoded nor
// resized again: for LFW at 108x108 that saves about 5% of a training run's CPU time
// (docs/benchmarks.md). A prepared image is the same however often it is made, so the batches do
// not depend on what is kept. An image is kept when first prepared if it fits in what is left of
// the budget. Thread-safe: the prefetcher's decoder threads share one cache.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "datasets/face_source.hpp"
#include "datasets/transform_pipeline.hpp"

namespace visage::data {

class PreparedImageCache {
 public:
  // Room for every image of `source`, none kept yet.
  PreparedImageCache(const FaceSource& source, int64_t budget_bytes);

  // The image kept for (identity, index), or nullptr.
  std::shared_ptr<const PreparedImage> find(const SampleRef& image) const;
  // Keeps `prepared` for (identity, index) unless it would take the cache past its budget.
  void keep(const SampleRef& image, std::shared_ptr<const PreparedImage> prepared);

  struct Usage {
    int64_t images = 0;
    int64_t bytes = 0;
  };
  Usage usage() const;
  int64_t budget_bytes() const { return budget_bytes_; }

 private:
  int64_t slot(const SampleRef& image) const;

  int64_t budget_bytes_;
  std::vector<int64_t> first_slot_;  // per identity
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<const PreparedImage>> kept_;
  Usage usage_;
};

}  // namespace visage::data

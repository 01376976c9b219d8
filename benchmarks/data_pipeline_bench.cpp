// Images per second of the data pipeline on LFW (250x250 JPEG) with the transforms FaceNet's NN2
// needs: decode, random 224x224 crop, random mirror, mean/scale normalisation, written into
// N x 3 x 224 x 224 batches of P x K identity-balanced samples by the prefetcher.
//
// Built with the project (build/bin/data_pipeline_bench); see docs/benchmarks.md.
//   usage: data_pipeline_bench [lfw_images_folder] [threads] [batches]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "datasets/file_dataset.hpp"
#include "datasets/identity_sampler.hpp"
#include "datasets/image_io.hpp"
#include "datasets/prefetcher.hpp"

using namespace visage::data;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::shared_ptr<const TransformPipeline> nn2_transforms() {
  visage::proto::FaceTransformParameter p;
  p.set_crop_height(224);
  p.set_crop_width(224);
  p.set_mirror(true);
  p.add_mean_value(127.5f);
  p.set_scale(1.0f / 128.0f);
  return std::make_shared<const TransformPipeline>(p, true);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string root = argc > 1 ? argv[1] : "../shared/data/lfw/images";
  const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  const int batches = argc > 3 ? std::atoi(argv[3]) : 20;
  constexpr int kIdentities = 30;  // P
  constexpr int kImages = 4;       // K: batches of 120 images

  FileDataset dataset = scan_identity_folders(root);
  DatasetFilter filter;
  filter.min_images_per_identity = 2;
  apply_filter(dataset, filter);
  std::vector<int> counts;
  for (const auto& id : dataset.identities) counts.push_back(static_cast<int>(id.images.size()));
  auto source = std::make_shared<const FileFaceSource>(std::move(dataset));
  std::printf("%d identities with >= 2 images; batches of %d x %d; %d decoder threads\n",
              source->num_identities(), kIdentities, kImages, threads);

  // One thread decoding alone, for reference.
  {
    const auto start = Clock::now();
    int decoded = 0;
    for (int identity = 0; identity < 200; ++identity) {
      for (int index = 0; index < source->num_images(identity); ++index, ++decoded) {
        (void)source->load(identity, index);
      }
    }
    std::printf("decode only, 1 thread: %.0f images/s\n", decoded / seconds_since(start));
  }

  // One thread decoding and transforming, without the prefetcher.
  {
    const auto transforms = nn2_transforms();
    std::vector<float> chw(3 * 224 * 224);
    visage::Rng rng(1);
    const auto start = Clock::now();
    int done = 0;
    for (int identity = 0; identity < 200; ++identity) {
      for (int index = 0; index < source->num_images(identity); ++index, ++done) {
        transforms->apply_chw(source->load(identity, index), rng, chw);
      }
    }
    std::printf("decode + transforms, 1 thread: %.0f images/s\n", done / seconds_since(start));
  }

  PrefetchOptions options;
  options.threads = threads;
  options.depth = 3;
  options.seed = 1;
  auto sampler = std::make_unique<IdentitySampler>(
      counts,
      IdentitySamplerConfig{kIdentities, kImages, ShortIdentityPolicy::with_replacement, 1});
  Prefetcher prefetcher(source, std::move(sampler), nn2_transforms(), {3, 224, 224}, options,
                        std::make_shared<BadImageLog>());
  std::vector<float> data(static_cast<size_t>(prefetcher.batch_size()) * 3 * 224 * 224);
  std::vector<float> labels(static_cast<size_t>(prefetcher.batch_size()));
  prefetcher.next(data, labels);  // warm-up: threads started, caches filled
  const auto start = Clock::now();
  for (int b = 0; b < batches; ++b) prefetcher.next(data, labels);
  const double elapsed = seconds_since(start);
  const double images = static_cast<double>(batches) * prefetcher.batch_size();
  std::printf(
      "pipeline (decode + crop 224 + mirror + normalise + CHW batch): %.0f images/s "
      "(%d batches of %d in %.2f s)\n",
      images / elapsed, batches, prefetcher.batch_size(), elapsed);
  return 0;
}

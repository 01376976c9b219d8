#include "layers/face_data.hpp"

#include <filesystem>
#include <iostream>
#include <numeric>

#include "datasets/file_dataset.hpp"
#include "datasets/identity_sampler.hpp"
#include "datasets/shuffle_sampler.hpp"
#include "datasets/transform_pipeline.hpp"

namespace visage {
namespace {

namespace fs = std::filesystem;
using proto::FaceDataParameter;

data::FileDataset read_face_dataset(const FaceDataParameter& p) {
  const fs::path source(p.source());
  std::error_code ec;
  VISAGE_CHECK(!p.source().empty() && fs::exists(source, ec), "the dataset '", p.source(),
               "' does not exist (relative paths start in ", fs::current_path(ec).string(),
               "). Set face_data_param.source to identity folders (<source>/<identity>/<image>, "
               "as LFW, CASIA-WebFace and VGGFace2 come) or a list file of 'path label' lines; "
               "for synthetic faces to try the config with, run: visage synth --identities 2000 "
               "--per-identity 40 --out ",
               p.source().empty() ? "DIR" : p.source());
  const bool folders = p.layout() == FaceDataParameter::IDENTITY_FOLDERS ||
                       (p.layout() == FaceDataParameter::AUTO && fs::is_directory(source));
  if (folders) return data::scan_identity_folders(source);
  const fs::path root = p.has_root_folder() ? fs::path(p.root_folder()) : source.parent_path();
  return data::read_image_list(source, root);
}

data::DatasetFilter face_filter(const FaceDataParameter& p) {
  data::DatasetFilter filter;
  if (p.has_exclude_pairs_file()) {
    const data::PairsProtocol pairs = data::read_pairs_file(p.exclude_pairs_file());
    const std::vector<int> folds(p.exclude_folds().begin(), p.exclude_folds().end());
    filter.exclude_identities = data::identities_in_folds(pairs, folds);
    if (p.pairs_identities_only()) {
      std::vector<int> every_fold(static_cast<size_t>(pairs.num_folds));
      std::iota(every_fold.begin(), every_fold.end(), 0);
      filter.only_identities = data::identities_in_folds(pairs, every_fold);
    }
  } else {
    VISAGE_CHECK(p.exclude_folds_size() == 0 && !p.pairs_identities_only(),
                 "exclude_folds and pairs_identities_only need exclude_pairs_file");
  }
  filter.image_fraction = p.image_fraction();
  filter.min_images_per_identity = static_cast<int>(p.min_images_per_identity());
  filter.max_identities = static_cast<int>(p.max_identities());
  return filter;
}

// What the image cache will hold, for the setup line; refuses a cache that would take more than
// the machine's memory.
std::string describe_cache(int64_t budget, std::optional<int64_t> bytes_each, int64_t images) {
  constexpr int64_t kMegabyte = int64_t{1} << 20;
  const auto memory = static_cast<int64_t>(host_memory_bytes());
  std::string text = concat("prepared images kept in memory, up to ", budget / kMegabyte, " MB");
  if (!bytes_each) {
    VISAGE_CHECK(budget <= memory, "face_data_param.cache_megabytes is ", budget / kMegabyte,
                 " MB, more than this machine's memory (", memory / kMegabyte, " MB)");
    return text;
  }
  const int64_t fit = std::min(images, budget / *bytes_each);
  VISAGE_CHECK(fit * *bytes_each <= memory, "face_data_param.cache_megabytes: ", fit,
               " prepared images of ", *bytes_each, " bytes would take ",
               fit * *bytes_each / kMegabyte, " MB, more than this machine's memory (",
               memory / kMegabyte, " MB); lower it (0 keeps none)");
  text += concat(" at ", (*bytes_each + 512) / 1024, " KB each: ");
  if (fit == images) return text + concat("all ", images, " fit");
  return text + concat(fit, " of ", images,
                       " fit, the others are read and prepared each time they are drawn");
}

}  // namespace

void PrefetchingDataLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  data::PrefetchOptions options;
  options.seed = has_seed() ? seed() : ctx.rng().next_u64();
  options.rank = ctx.rank();
  options.world_size = ctx.world_size();
  Pipeline pipeline = with_context(describe(), [&] { return make_pipeline(options); });
  source_ = pipeline.source;
  missing_images_ = pipeline.missing_images;
  transform_ = with_context(describe(), [&] {
    return std::make_shared<const data::TransformPipeline>(pipeline.transform,
                                                           phase_ == proto::TRAIN);
  });
  const data::SampleShape shape = sample_shape(*transform_);
  std::clog << describe() << ": " << pipeline.summary << "; " << shape.channels << "x"
            << shape.height << "x" << shape.width << " per image\n";
  if (pipeline.options.cache_bytes > 0) {
    const std::string cache = with_context(describe(), [&] {
      return describe_cache(pipeline.options.cache_bytes, transform_->prepared_bytes(),
                            source_->total_images());
    });
    std::clog << describe() << ": " << cache << "\n";
  }
  prefetcher_ = with_context(describe(), [&] {
    return std::make_unique<data::Prefetcher>(source_, std::move(pipeline.sampler), transform_,
                                              shape, pipeline.options, bad_images_);
  });
  if (top.size() < 2) unused_labels_.resize(static_cast<size_t>(prefetcher_->batch_size()));
}

data::SampleShape PrefetchingDataLayer::sample_shape(
    const data::TransformPipeline& transform) const {
  const auto& t = transform.param();
  if (t.crop_height() > 0 || t.resize_height() > 0) {
    const auto [h, w] = transform.output_size(0, 0);
    return {transform.channels(), h, w};
  }
  // Without a fixed output size the first readable image sets it; others must match.
  for (const data::SampleRef& ref : source_->natural_order()) {
    try {
      const data::Image image = source_->load(ref.identity, ref.index);
      const auto [h, w] = transform.output_size(image.height, image.width);
      return {transform.channels(), h, w};
    } catch (const Error& e) {
      bad_images_->report(source_->describe(ref.identity, ref.index), e.what());
    }
  }
  fail_here("no readable image in the data");
}

void PrefetchingDataLayer::reshape(Tensors, Tensors top) {
  const data::SampleShape& s = prefetcher_->sample_shape();
  const int64_t n = prefetcher_->batch_size();
  top[0]->reshape({n, s.channels, s.height, s.width});
  if (top.size() > 1) top[1]->reshape({n});
}

void PrefetchingDataLayer::forward_cpu(Context&, Tensors, Tensors top) {
  with_context(describe(), [&] {
    prefetcher_->next(top[0]->mutable_data(),
                      top.size() > 1 ? top[1]->mutable_data() : std::span<float>(unused_labels_));
  });
}

proto::DataState PrefetchingDataLayer::data_state() const {
  proto::DataState state;
  VISAGE_CHECK(state.mutable_sampler()->ParseFromString(prefetcher_->save_state()), describe(),
               ": the sampler's state does not parse");
  return state;
}

void PrefetchingDataLayer::restore_data_state(const proto::DataState& state) {
  prefetcher_->load_state(state.sampler().SerializeAsString());
}

PrefetchingDataLayer::Pipeline FaceDataLayer::make_pipeline(const data::PrefetchOptions& base) {
  const FaceDataParameter& p = param_.face_data_param();
  VISAGE_CHECK(!p.source().empty(),
               "face_data_param.source (identity folders or a list file) is not set");
  data::FileDataset dataset = read_face_dataset(p);
  const data::FilterReport filtered = data::apply_filter(dataset, face_filter(p));
  const data::WarningSink warn = data::stderr_warnings();
  Pipeline pipeline;
  pipeline.missing_images = data::drop_missing_files(dataset, warn);
  const bool folders = dataset.list_order.empty();
  if (folders || p.relabel()) data::relabel(dataset);
  pipeline.summary =
      concat(dataset.identities.size(), " identities, ", dataset.num_images(), " images from ",
             p.source(), " (", filtered.identities_before, " identities, ", filtered.images_before,
             " images before filtering; ", pipeline.missing_images, " missing)");
  std::vector<int> counts;
  for (const auto& id : dataset.identities) counts.push_back(static_cast<int>(id.images.size()));
  auto source = std::make_shared<const data::FileFaceSource>(
      std::move(dataset), static_cast<int64_t>(double{p.max_image_megapixels()} * 1e6));

  pipeline.options = base;
  pipeline.options.threads = static_cast<int>(p.prefetch_threads());
  pipeline.options.depth = static_cast<int>(p.prefetch_batches());
  pipeline.options.skip_bad_images = p.skip_bad_images();
  pipeline.options.cache_bytes = int64_t{p.cache_megabytes()} << 20;
  const int world = base.world_size;
  if (p.identities_per_batch() > 0) {
    VISAGE_CHECK(p.batch_size() == 0,
                 "face_data_param: set identities_per_batch and "
                 "images_per_identity (P x K), or batch_size, not both");
    data::IdentitySamplerConfig config;
    config.identities_per_batch = static_cast<int>(p.identities_per_batch()) * world;
    config.images_per_identity = static_cast<int>(p.images_per_identity());
    config.short_identity = p.short_identity() == FaceDataParameter::SKIP
                                ? data::ShortIdentityPolicy::skip
                                : data::ShortIdentityPolicy::with_replacement;
    config.seed = base.seed;
    pipeline.sampler = std::make_unique<data::IdentitySampler>(std::move(counts), config);
  } else {
    VISAGE_CHECK(p.batch_size() > 0,
                 "face_data_param: set identities_per_batch and "
                 "images_per_identity (P x K), or batch_size");
    pipeline.sampler = std::make_unique<data::ShuffleSampler>(
        source->natural_order(), static_cast<int>(p.batch_size()) * world, p.shuffle(), base.seed);
  }
  pipeline.source = std::move(source);
  pipeline.transform = param_.has_face_transform_param()
                           ? param_.face_transform_param()
                           : data::from_caffe_transform(param_.transform_param(), 3);
  return pipeline;
}

}  // namespace visage

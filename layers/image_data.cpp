#include "layers/image_data.hpp"

#include "datasets/file_dataset.hpp"
#include "datasets/shuffle_sampler.hpp"
#include "datasets/transform_pipeline.hpp"

namespace visage {

PrefetchingDataLayer::Pipeline ImageDataLayer::make_pipeline(const data::PrefetchOptions& base) {
  const proto::ImageDataParameter& p = param_.image_data_param();
  VISAGE_CHECK(!p.source().empty(), "image_data_param.source (a list file) is not set");
  VISAGE_CHECK(p.batch_size() > 0, "image_data_param.batch_size must be > 0");
  VISAGE_CHECK((p.new_height() == 0) == (p.new_width() == 0),
               "image_data_param: set both new_height and new_width, or neither");
  // Caffe: paths are root_folder + path, so an empty root_folder means the working directory.
  data::FileDataset dataset = data::read_image_list(p.source(), p.root_folder());
  Pipeline pipeline;
  pipeline.missing_images = data::drop_missing_files(dataset, data::stderr_warnings());
  pipeline.summary =
      concat(dataset.num_images(), " images of ", dataset.identities.size(), " labels from ",
             p.source(), " (", pipeline.missing_images, " missing)");
  auto source = std::make_shared<const data::FileFaceSource>(
      std::move(dataset), static_cast<int64_t>(double{p.max_image_megapixels()} * 1e6));

  pipeline.options = base;
  Rng skip_rng(base.seed);
  const int64_t skip = p.rand_skip() > 0 ? static_cast<int64_t>(skip_rng.below(p.rand_skip())) : 0;
  pipeline.sampler = std::make_unique<data::ShuffleSampler>(
      source->natural_order(), static_cast<int>(p.batch_size()) * base.world_size, p.shuffle(),
      base.seed, skip);
  pipeline.source = std::move(source);

  const int channels = p.is_color() ? 3 : 1;
  pipeline.transform = param_.has_face_transform_param()
                           ? param_.face_transform_param()
                           : data::from_caffe_transform(param_.transform_param(), channels);
  if (!param_.has_face_transform_param() && p.new_height() > 0) {
    pipeline.transform.set_resize_height(p.new_height());
    pipeline.transform.set_resize_width(p.new_width());
  }
  return pipeline;
}

}  // namespace visage

#include "solvers/training_verification.hpp"

#include <chrono>
#include <map>
#include <set>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "datasets/image_io.hpp"
#include "datasets/transform_pipeline.hpp"
#include "eval/image_files.hpp"
#include "eval/number_format.hpp"
#include "eval/scoring.hpp"
#include "solvers/embedding_net.hpp"

namespace visage {
namespace {

namespace fs = std::filesystem;

// `net` takes every parameter from the train net (by layer name); one it had to keep for itself
// would make the verification measure its initialisation.
void check_every_parameter_is_trained(const Net& net) {
  if (net.learnable_params().empty()) return;
  const std::string& layer_name = net.learnable_params().front().layer;
  for (int i = 0; i < net.num_layers(); ++i) {
    if (net.layer(i).name() != layer_name) continue;
    fail(net.where(i), ": ", net.layer(i).describe(),
         " has parameters, but the train net has no layer of that name with parameters to take "
         "them from (layers share parameters by name)");
  }
}

}  // namespace

TrainingVerification::TrainingVerification(
    const proto::VerificationTest& param, Net& train_net, Context& ctx,
    const LayerRegistry& registry, const std::function<std::string(const std::string&)>& resolve)
    : param_(param) {
  with_context(concat("verification_test '", param_.name(), "'"), [&] {
    VISAGE_CHECK(!param_.pairs().empty(), "set pairs (an LFW-format pairs file)");
    VISAGE_CHECK(!param_.images().empty(),
                 "set images (the folder of identity folders the pairs name)");
    metric_ = eval::distance_from_proto(param_.distance());
    options_.target_fars.assign(param_.far().begin(), param_.far().end());
    if (options_.target_fars.empty()) options_.target_fars = {1e-3};
    for (const double far : options_.target_fars) {
      VISAGE_CHECK(far > 0 && far <= 1, "far ", far, " is not a false accept rate in (0, 1]");
    }
    pairs_ = data::read_pairs_file(resolve(param_.pairs()));
    if (!param_.threshold_pairs().empty()) {
      VISAGE_CHECK(pairs_.num_folds == 1, pairs_.source, " has ", pairs_.num_folds,
                   " folds, whose thresholds are cross-validated; threshold_pairs is for a "
                   "one-fold (View 1) pairs file");
      threshold_pairs_ = data::read_pairs_file(resolve(param_.threshold_pairs()));
    }
    find_images(resolve(param_.images()));

    // Building the net draws initial values from the RNG; the training run must not notice.
    const std::string rng_state = ctx.rng().state();
    build_net(train_net, ctx, registry, resolve);
    ctx.rng().set_state(rng_state);
    fill_cache();
  });
}

void TrainingVerification::find_images(const std::string& images) {
  fs::path root = images;
  std::optional<std::set<std::string>> listed;
  if (!fs::is_directory(images)) {
    VISAGE_CHECK(fs::is_regular_file(images), "images ", images,
                 ": no such folder (of identity folders) or list file");
    eval::ImageList list = eval::list_images(images, {});
    root = list.root;
    listed.emplace(list.names.begin(), list.names.end());
  }
  std::map<std::string, fs::path> found;  // sorted by name
  const auto find_all = [&](const data::PairsProtocol& protocol) {
    for (const data::ImagePair& pair : protocol.pairs) {
      for (const std::string* name : {&pair.first, &pair.second}) {
        if (found.contains(*name)) continue;
        VISAGE_CHECK(!listed || listed->contains(*name), protocol.source, ":", pair.line,
                     ": image '", *name, "' is not in the list ", images);
        const auto file = eval::find_image(root, *name);
        VISAGE_CHECK(file.has_value(), protocol.source, ":", pair.line, ": image '", *name,
                     "' not found in ", root.string(), " (also tried .png, .jpeg, .pgm, .ppm)");
        found.emplace(*name, *file);
      }
    }
  };
  find_all(pairs_);
  if (threshold_pairs_) find_all(*threshold_pairs_);
  for (auto& [name, file] : found) {
    names_.push_back(name);
    files_.push_back(file);
  }
}

void TrainingVerification::build_net(
    Net& train_net, Context& ctx, const LayerRegistry& registry,
    const std::function<std::string(const std::string&)>& resolve) {
  NetOptions test;
  test.phase = proto::TEST;
  const bool flip = param_.flip();
  if (param_.model().empty()) {
    VISAGE_CHECK(!param_.blob().empty(),
                 "set blob (the train net's top that is the embedding): without a model, the "
                 "train net is cut after it");
    DerivedEmbeddingNet derived =
        derive_embedding_net(train_net, param_.blob(), param_.batch_size());
    net_ = std::make_unique<Net>(derived.config, test, ctx, registry, train_net);
    extractor_ = std::make_unique<eval::EmbeddingExtractor>(*net_, param_.blob(), 0, flip,
                                                            derived.config.source);
    auto pipeline = std::make_shared<const data::TransformPipeline>(derived.transform, false);
    // In the TEST phase the pipeline takes no random step; it still wants a generator.
    prepare_ = [pipeline](const data::Image& image) {
      Rng unused(0);
      return pipeline->apply(image, unused);
    };
    decode_channels_ = 0;
    net_description_ = concat("the train net up to '", param_.blob(), "' (TEST phase)");
  } else {
    const std::string model = resolve(param_.model());
    net_ = std::make_unique<Net>(load_net_config(model), test, ctx, registry, train_net);
    const std::string output =
        param_.blob().empty()
            ? eval::sole_output(*net_, model, "choose the embedding with verification_test.blob")
            : param_.blob();
    extractor_ =
        std::make_unique<eval::EmbeddingExtractor>(*net_, output, param_.batch_size(), flip, model);
    const eval::EmbeddingExtractor* extractor = extractor_.get();
    prepare_ = [extractor](const data::Image& image) {
      return eval::prepare_for_input(image, extractor->input_param(), extractor->height(),
                                     extractor->width());
    };
    decode_channels_ = extractor_->channels();
    net_description_ = model;
  }
  check_every_parameter_is_trained(*net_);
}

data::FloatImage TrainingVerification::prepared(size_t index) const {
  if (index < cache_.size()) return cache_[index];
  return prepare_(data::read_image(files_[index], decode_channels_));
}

void TrainingVerification::fill_cache() {
  const size_t per_image = static_cast<size_t>(extractor_->channels()) * extractor_->height() *
                           extractor_->width() * sizeof(float);
  const size_t budget = static_cast<size_t>(param_.cache_megabytes()) << 20;
  const size_t count = std::min(names_.size(), budget / per_image);
  cache_.reserve(count);
  for (size_t i = 0; i < count; ++i) cache_.push_back(prepared(i));
  // The first image shows at once whether preparation fits the net, cached or not.
  const data::FloatImage first = count > 0 ? cache_.front() : prepared(0);
  VISAGE_CHECK(first.channels == extractor_->channels() && first.height == extractor_->height() &&
                   first.width == extractor_->width(),
               files_.front().string(), " is prepared as ", data::shape_string(first),
               " (height x width x channels), but ", net_description_, " takes ",
               extractor_->height(), "x", extractor_->width(), "x", extractor_->channels(),
               param_.model().empty()
                   ? "; give the data layer's face_transform_param a resize or crop, or give "
                     "verification_test a model"
                   : "");
}

std::string TrainingVerification::describe() const {
  const double megabytes = static_cast<double>(cache_.size()) * extractor_->channels() *
                           extractor_->height() * extractor_->width() * sizeof(float) / (1 << 20);
  std::string threshold;
  if (pairs_.num_folds > 1) {
    threshold = concat("thresholds cross-validated over ", pairs_.num_folds, " folds");
  } else if (threshold_pairs_) {
    threshold = concat("threshold fitted on ", threshold_pairs_->pairs.size(), " pairs of ",
                       threshold_pairs_->source);
  } else {
    threshold = "threshold fitted on the pairs themselves (optimistic)";
  }
  return concat("verification '", name(), "': ", pairs_.pairs.size(), " pairs of ", pairs_.source,
                ", ", threshold, "; ", names_.size(), " images, ", cache_.size(),
                " prepared in memory (", eval::fixed(megabytes, 1), " MiB); embedding '",
                extractor_->output_name(), "' of ", net_description_, ", ", extractor_->batch(),
                " images per pass", param_.flip() ? ", averaged with the mirror image" : "");
}

VerificationProgress TrainingVerification::run(Context& ctx) {
  const auto start = std::chrono::steady_clock::now();
  const std::string rng_state = ctx.rng().state();
  const eval::EmbeddingTable table = extractor_->embed(
      names_, [this](size_t i) { return prepared(i); }, ctx);
  ctx.rng().set_state(rng_state);

  eval::VerificationOptions options = options_;
  if (threshold_pairs_) {
    const auto scored = eval::score_pairs(*threshold_pairs_, table.lookup(), metric_);
    options.fixed_threshold = eval::best_threshold(scored).threshold;
  }
  VerificationProgress progress;
  progress.name = name();
  progress.result = eval::evaluate_verification(pairs_, table.lookup(), metric_, options);
  if (threshold_pairs_) progress.threshold_pairs = threshold_pairs_->source;
  progress.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return progress;
}

}  // namespace visage

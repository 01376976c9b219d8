#include "tools/experiment_evaluation.hpp"

#include <google/protobuf/text_format.h>
#include <unistd.h>

#include <iostream>

#include "core/config.hpp"
#include "core/device_choice.hpp"
#include "core/error.hpp"
#include "core/net.hpp"
#include "core/text_hash.hpp"
#include "datasets/image_io.hpp"
#include "datasets/pairs.hpp"
#include "datasets/synthetic_face_files.hpp"
#include "eval/embedding_extractor.hpp"
#include "eval/image_files.hpp"
#include "eval/number_format.hpp"
#include "eval/verification.hpp"
#include "solvers/builtin_layers.hpp"
#include "solvers/snapshot.hpp"
#include "solvers/solver.hpp"

namespace visage::tools {
namespace {

namespace fs = std::filesystem;

std::string heldout_id(const proto::ExperimentHeldout& heldout) {
  // Only what changes the images and pairs names the folder; how they are scored does not.
  proto::ExperimentHeldout images;
  images.set_identities(heldout.identities());
  images.set_per_identity(heldout.per_identity());
  images.set_first_identity(heldout.first_identity());
  images.set_pairs(heldout.pairs());
  images.set_folds(heldout.folds());
  images.set_size(heldout.size());
  images.set_seed(heldout.seed());
  std::string text;
  google::protobuf::TextFormat::PrintToString(images, &text);
  return hex64(fnv1a_64(text));
}

// Each held-out pair's distance under the variant's deploy net.
std::vector<eval::ScoredPair> score_heldout(const ExperimentSpec& spec, const VariantPlan& plan,
                                            const fs::path& weights, const fs::path& heldout_folder,
                                            Context& ctx) {
  const proto::ExperimentHeldout& h = spec.heldout;
  const std::string source = concat("the deploy net of variant '", plan.variant.name(), "'");
  NetOptions net_options;
  net_options.phase = proto::TEST;
  Net net(net_config_from(plan.deploy, source), net_options, ctx, builtin_layers());
  load_weights(net, weights.string());
  const std::string output =
      eval::sole_output(net, source, "give the deploy net one output, the embedding");
  eval::EmbeddingExtractor extractor(net, output, 0, h.flip(), source);

  const data::PairsProtocol protocol = data::read_pairs_file(heldout_folder / "pairs.txt");
  const eval::ImageList images =
      eval::list_images(heldout_folder.string(), data::images_of(protocol));
  const auto prepare = [&](size_t i) {
    const data::Image image =
        data::read_image(eval::resolve_image(images.root, images.names[i]), extractor.channels());
    return eval::prepare_for_input(image, extractor.input_param(), extractor.height(),
                                   extractor.width());
  };
  const eval::EmbeddingTable table = extractor.embed(images.names, prepare, ctx);
  return eval::score_pairs(protocol, table.lookup(), eval::distance_from_proto(h.distance()));
}

void measure_classification(const ExperimentSpec& spec, const VariantPlan& plan,
                            const fs::path& weights, Context& ctx, Measurements& out) {
  const std::string source = concat("the train net of variant '", plan.variant.name(), "'");
  NetOptions net_options;
  net_options.phase = proto::TEST;
  Net net(net_config_from(plan.solver.net_param(), source), net_options, ctx, builtin_layers());
  load_weights(net, weights.string());
  const TestResult result = average_outputs(net, ctx, static_cast<int>(spec.scale.test_batches()));
  for (const auto& [name, value] : result.outputs) {
    if (name == "accuracy") {
      out[proto::CLASSIFICATION_ERROR] = {100.0 * (1.0 - value), std::nullopt, {}};
      return;
    }
  }
  fail(source, ": CLASSIFICATION_ERROR needs an output named `accuracy` in the TEST phase (an ",
       "Accuracy layer on held-out images of the training identities)");
}

}  // namespace

Measurements measure_verification(const proto::ExperimentHeldout& h,
                                  std::span<const eval::ScoredPair> scored) {
  eval::VerificationOptions options;
  options.target_fars = {h.far()};
  const eval::VerificationResult result =
      eval::evaluate_verification(scored, static_cast<int>(h.folds()), options);
  Measurements out;
  Measurement accuracy{100.0 * result.accuracy, std::nullopt, {}};
  if (result.fold_statistics) {
    accuracy.standard_error = 100.0 * result.fold_statistics->standard_error;
  }
  out[proto::VERIFICATION_ACCURACY] = accuracy;
  out[proto::AUC] = {100.0 * result.auc, std::nullopt, {}};

  // FaceNet's VAL +- standard error: the ROC of each split (a block of consecutive folds).
  const int folds_per_split = static_cast<int>(h.folds() / h.splits());
  std::vector<double> vals;
  bool unresolved = false;
  double read_at = h.far();
  for (int split = 0; split < static_cast<int>(h.splits()); ++split) {
    std::vector<eval::ScoredPair> part;
    for (const auto& pair : scored) {
      if (pair.fold / folds_per_split == split) part.push_back(pair);
    }
    const eval::ValAtFar val = eval::val_at_far(eval::roc_curve(part), h.far());
    vals.push_back(100.0 * val.val);
    if (!val.resolved) {
      unresolved = true;
      read_at = std::max(read_at, val.far);
    }
  }
  const eval::FoldStatistics stats = eval::fold_statistics(vals);
  Measurement val{stats.mean, stats.standard_error, {}};
  if (unresolved) {
    val.note =
        concat("a split has too few mismatched pairs for FAR ", eval::significant(h.far(), 3),
               ": read at FAR ", eval::significant(read_at, 3));
  }
  out[proto::VAL_AT_FAR] = val;
  return out;
}

fs::path prepare_heldout(const proto::ExperimentHeldout& heldout, const fs::path& runs) {
  const fs::path folder = runs / concat("heldout-", heldout_id(heldout));
  std::error_code ec;
  if (fs::exists(folder / "pairs.txt", ec)) return folder;

  const synthetic::SyntheticDatasetSpec spec = heldout_dataset(heldout);
  // Another command sharing the runs folder may be writing the same set: each writes its own
  // partial folder, and the first to finish provides it.
  const fs::path partial = runs / concat("heldout-", heldout_id(heldout), ".partial-", ::getpid());
  fs::remove_all(partial);
  fs::create_directories(partial);
  std::cout << "experiment: writing " << spec.identities << " held-out identities x "
            << spec.images_per_identity << " images and " << spec.folds << " folds x ("
            << spec.pairs_per_fold << " + " << spec.pairs_per_fold << ") pairs to "
            << folder.string() << std::endl;
  data::write_synthetic_dataset(spec, partial);
  fs::rename(partial, folder, ec);
  if (ec) {
    VISAGE_CHECK(fs::exists(folder / "pairs.txt"), folder.string(), ": cannot be written (",
                 ec.message(), ")");
    fs::remove_all(partial);
  }
  return folder;
}

VariantEvaluation evaluate_variant(const ExperimentSpec& spec, const VariantPlan& plan,
                                   const fs::path& weights, const fs::path& heldout_folder,
                                   const std::string& device) {
  Context ctx = make_context(device, 1);
  VariantEvaluation out;
  if (spec.needs_heldout) {
    out.scored = score_heldout(spec, plan, weights, heldout_folder, ctx);
    out.measured = measure_verification(spec.heldout, out.scored);
  }
  if (spec.needs_classification) measure_classification(spec, plan, weights, ctx, out.measured);
  return out;
}

std::string metric_heading(proto::ExperimentMetric metric,
                           const proto::ExperimentHeldout& heldout) {
  switch (metric) {
    case proto::VERIFICATION_ACCURACY:
      return "verification accuracy (%)";
    case proto::VAL_AT_FAR:
      return concat("VAL at FAR ", eval::significant(heldout.far(), 3), " (%)");
    case proto::CLASSIFICATION_ERROR:
      return "classification error (%)";
    case proto::AUC:
      return "AUC (%)";
  }
  return proto::ExperimentMetric_Name(metric);
}

bool higher_is_better(proto::ExperimentMetric metric) {
  return metric != proto::CLASSIFICATION_ERROR;
}

}  // namespace visage::tools

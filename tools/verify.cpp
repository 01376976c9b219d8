#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "core/config.hpp"
#include "core/error.hpp"
#include "datasets/pairs.hpp"
#include "eval/embeddings_file.hpp"
#include "eval/report.hpp"
#include "eval/roc_plot.hpp"
#include "eval/verification.hpp"
#include "tools/embedding_run.hpp"
#include "tools/options.hpp"
#include "tools/svg_to_png.hpp"

namespace visage::tools {
namespace {

std::vector<double> parse_fars(const std::string& text) {
  std::vector<double> fars;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      const double far = std::stod(item, &used);
      VISAGE_CHECK(used == item.size() && far > 0 && far <= 1, "");
      fars.push_back(far);
    } catch (const std::exception&) {
      fail("--far ", text,
           ": expected comma-separated false accept rates in (0, 1], e.g. 1e-3,1e-2");
    }
  }
  return fars;
}

// The weights file of each fold: `pattern` with {fold} replaced by 1 .. num_folds.
std::vector<std::string> fold_weight_files(const std::string& pattern, int num_folds) {
  const std::string marker = "{fold}";
  VISAGE_CHECK(pattern.find(marker) != std::string::npos, "--fold-weights ", pattern,
               ": the pattern must contain {fold}, e.g. runs/fold{fold}/weights.h5");
  VISAGE_CHECK(num_folds >= 2,
               "--fold-weights needs a pairs file with folds (View 2), not one with ", num_folds);
  std::vector<std::string> files;
  for (int fold = 1; fold <= num_folds; ++fold) {
    std::string file = pattern;
    for (size_t at = file.find(marker); at != std::string::npos; at = file.find(marker, at)) {
      file.replace(at, marker.size(), std::to_string(fold));
    }
    VISAGE_CHECK(std::filesystem::exists(file), "--fold-weights: fold ", fold, "'s weights ", file,
                 " do not exist");
    files.push_back(std::move(file));
  }
  return files;
}

// One embedding table per fold, each computed with that fold's model for that fold's images.
std::vector<eval::EmbeddingTable> embed_per_fold(const Options& options,
                                                 const data::PairsProtocol& protocol) {
  const std::vector<std::string> weights =
      fold_weight_files(options.get("fold-weights"), protocol.num_folds);
  std::vector<eval::EmbeddingTable> tables;
  for (int fold = 0; fold < protocol.num_folds; ++fold) {
    data::PairsProtocol fold_pairs;
    fold_pairs.source = protocol.source;
    for (const data::ImagePair& pair : protocol.pairs) {
      if (pair.fold == fold) fold_pairs.pairs.push_back(pair);
    }
    std::cerr << "fold " << fold + 1 << "/" << protocol.num_folds << ": " << weights[fold] << "\n";
    tables.push_back(compute_embeddings(options, data::images_of(fold_pairs), weights[fold]));
  }
  return tables;
}

}  // namespace

int run_verify(Args args) {
  Options options(
      "verify",
      "Face verification on a pairs file in LFW's format (View 1 or View 2). With 10 folds, each "
      "fold is scored with the threshold that maximises accuracy on the other nine, and accuracy "
      "is reported as mean +/- standard error over the folds, as the DeepFace and FaceNet papers "
      "do; AUC, EER and VAL@FAR (FaceNet's validation rate) come from all pairs. Embeddings come "
      "from --embeddings (written by `visage embed`), or are computed first from --model, "
      "--weights and --images. With --fold-weights instead of --weights, each fold is scored "
      "with its own model (LFW's unrestricted protocol: fold k's model is trained without fold "
      "k's identities), and the thresholds are cross-validated on these held-out distances. A "
      "pair naming an image without an embedding is an error.");
  options
      .value("pairs", "FILE", "pairs file (LFW pairs.txt, pairsDevTest.txt, or `visage synth`'s)")
      .value("embeddings", "E.h5", "embeddings written by `visage embed`")
      .value("distance", "NAME", "squared_l2, l2 or cosine", "squared_l2")
      .value("far", "LIST", "false accept rates for VAL@FAR, comma-separated", "1e-3")
      .value("threshold", "T", "use this fixed threshold instead of choosing one")
      .value("out", "PREFIX",
             "also write PREFIX_roc.csv, PREFIX.json, PREFIX_roc.svg and PREFIX_roc.png")
      .flag("json", "print the result as JSON instead of the summary");
  add_embedding_options(options);
  options.value("fold-weights", "PATTERN",
                "one model per fold: weights files named by PATTERN with {fold} = 1, 2, ...");
  if (!options.parse(args)) return 0;
  VISAGE_CHECK(options.has("pairs"), "--pairs is required\n\n", options.usage());

  // The ROC's PNG is a convenience beside its SVG: the converter is looked up before any long
  // work, and without it the run still succeeds, saying what is missing.
  std::optional<std::filesystem::path> converter;
  std::string no_converter;
  if (options.has("out")) {
    try {
      converter = find_svg_converter(options.get("out") + "_roc.png");
    } catch (const Error& e) {
      no_converter = e.what();
    }
  }

  const data::PairsProtocol protocol = data::read_pairs_file(options.get("pairs"));
  const auto metric = eval::parse_distance(options.get("distance"));
  std::vector<eval::ScoredPair> scored;
  if (options.has("embeddings")) {
    VISAGE_CHECK(!options.has("model"), "give --embeddings or --model, not both");
    const eval::EmbeddingTable table = eval::read_embeddings(options.get("embeddings"));
    scored = eval::score_pairs(protocol, table.lookup(), metric);
  } else {
    VISAGE_CHECK(options.has("model") && options.has("images") &&
                     (options.has("weights") != options.has("fold-weights")),
                 "give --embeddings E.h5, or --model, --images and either "
                 "--weights or --fold-weights to compute them\n\n",
                 options.usage());
    if (options.has("fold-weights")) {
      const std::vector<eval::EmbeddingTable> tables = embed_per_fold(options, protocol);
      std::vector<eval::EmbeddingLookup> lookups;
      for (const eval::EmbeddingTable& table : tables) lookups.push_back(table.lookup());
      scored = eval::score_pairs_by_fold(protocol, lookups, metric);
    } else {
      const eval::EmbeddingTable table =
          compute_embeddings(options, data::images_of(protocol), options.get("weights"));
      scored = eval::score_pairs(protocol, table.lookup(), metric);
    }
  }

  eval::VerificationOptions verification;
  verification.target_fars = parse_fars(options.get("far"));
  if (options.has("threshold")) verification.fixed_threshold = options.get_double("threshold");
  eval::VerificationResult result =
      eval::evaluate_verification(scored, protocol.num_folds, verification);
  result.pairs_source = protocol.source;
  result.metric = metric;

  std::cout << (options.get_flag("json") ? eval::verification_json(result)
                                         : eval::verification_summary(result));
  if (options.has("out")) {
    const std::string prefix = options.get("out");
    const std::filesystem::path parent = std::filesystem::path(prefix).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    write_file(prefix + "_roc.csv", eval::roc_csv(result.roc));
    write_file(prefix + ".json", eval::verification_json(result));
    write_file(prefix + "_roc.svg", eval::roc_svg(result));
    std::cerr << "wrote " << prefix << "_roc.csv, " << prefix << ".json, " << prefix
              << "_roc.svg\n";
    const std::string png = prefix + "_roc.png";
    if (converter) {
      convert_svg_to_png(*converter, prefix + "_roc.svg", png);
      std::cerr << "wrote " << png << "\n";
    } else {
      std::cerr << "visage verify: warning: no " << png << ": " << no_converter << "\n";
    }
  }
  return 0;
}

}  // namespace visage::tools

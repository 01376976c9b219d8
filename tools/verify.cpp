#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "core/config.hpp"
#include "core/error.hpp"
#include "datasets/pairs.hpp"
#include "eval/embeddings_file.hpp"
#include "eval/learned_metric.hpp"
#include "eval/learned_metric_file.hpp"
#include "eval/report.hpp"
#include "eval/roc_plot.hpp"
#include "eval/verification.hpp"
#include "tools/embedding_run.hpp"
#include "tools/options.hpp"
#include "tools/svg_to_png.hpp"

namespace visage::tools {
namespace {

// "a.h5,b.h5" -> {"a.h5", "b.h5"}; an empty item is an error.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    VISAGE_CHECK(!item.empty(), "--embeddings ", text, ": an empty file name in the list");
    items.push_back(item);
  }
  VISAGE_CHECK(!items.empty() && text.back() != ',', "--embeddings ", text,
               ": an empty file name in the list");
  return items;
}

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

// "Fisher Vector Faces=0.9303;LDML-MkNN=0.875" -> the ROC figure's accuracy references.
std::vector<eval::AccuracyReference> parse_references(const std::string& text) {
  std::vector<eval::AccuracyReference> references;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ';')) {
    const size_t equals = item.rfind('=');
    eval::AccuracyReference reference;
    bool valid = equals != std::string::npos && equals > 0;
    if (valid) {
      reference.name = item.substr(0, equals);
      try {
        size_t used = 0;
        const std::string number = item.substr(equals + 1);
        reference.accuracy = std::stod(number, &used);
        valid = used == number.size() && reference.accuracy > 0 && reference.accuracy <= 1;
      } catch (const std::exception&) {
        valid = false;
      }
    }
    VISAGE_CHECK(valid, "--reference ", text, ": '", item,
                 "' is not NAME=ACCURACY with an accuracy in (0, 1], e.g. "
                 "'Fisher Vector Faces=0.9303;LDML-MkNN=0.875'");
    references.push_back(std::move(reference));
  }
  VISAGE_CHECK(!references.empty() && text.back() != ';', "--reference ", text,
               ": an empty item in the list");
  return references;
}

// `table` mapped by the learned metric in `path`; says which metric on stderr.
eval::EmbeddingTable apply_metric(const std::string& path, const eval::EmbeddingTable& table) {
  const eval::LearnedMetric metric = eval::read_learned_metric(path);
  std::cerr << "learned metric " << path << ": " << metric.input_dim << " -> " << metric.output_dim
            << " dimensions, fitted on " << metric.images << " images of " << metric.identities
            << " identities\n";
  try {
    return eval::apply_learned_metric(metric, table);
  } catch (const Error& e) {
    fail(path, ": ", e.what());
  }
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
      "k's identities), and the thresholds are cross-validated on these held-out distances. With "
      "--metric (or --fold-metric, one per fold), a learned metric written by `visage "
      "fit-metric` maps the embeddings first, and pairs are compared by cosine distance. Several "
      "--embeddings files (comma-separated) are an ensemble, as DeepFace combines its networks: "
      "a pair's distance is the sum of its distances in each. A pair naming an image without an "
      "embedding is an error.");
  options
      .value("pairs", "FILE", "pairs file (LFW pairs.txt, pairsDevTest.txt, or `visage synth`'s)")
      .value("embeddings", "E.h5[,E2.h5...]",
             "embeddings written by `visage embed`; several: an ensemble (distances summed)")
      .value("distance", "NAME",
             "squared_l2, l2 or cosine (default squared_l2; cosine, the only choice, with a "
             "learned metric)")
      .value("far", "LIST", "false accept rates for VAL@FAR, comma-separated", "1e-3")
      .value("threshold", "T", "use this fixed threshold instead of choosing one")
      .value("out", "PREFIX",
             "also write PREFIX_roc.csv, PREFIX.json, PREFIX_roc.svg and PREFIX_roc.png")
      .value("reference", "'NAME=ACC[;...]'",
             "published accuracies drawn on the ROC figure as iso-accuracy lines, to compare "
             "with (needs --out)")
      .flag("json", "print the result as JSON instead of the summary");
  add_embedding_options(options);
  options.value("fold-weights", "PATTERN",
                "one model per fold: weights files named by PATTERN with {fold} = 1, 2, ...");
  options.value("metric", "M.h5", "apply this learned metric (`visage fit-metric`) first")
      .value("fold-metric", "PATTERN",
             "one learned metric per fold, named as --fold-weights: fold k's pairs are mapped "
             "by metric k, fitted without fold k's people");
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

  VISAGE_CHECK(!options.has("reference") || options.has("out"),
               "--reference draws on the ROC figure, which only --out writes");
  const std::vector<eval::AccuracyReference> references =
      options.has("reference") ? parse_references(options.get("reference"))
                               : std::vector<eval::AccuracyReference>{};
  const data::PairsProtocol protocol = data::read_pairs_file(options.get("pairs"));
  const bool learned = options.has("metric") || options.has("fold-metric");
  VISAGE_CHECK(!(options.has("metric") && options.has("fold-metric")),
               "give --metric or --fold-metric, not both");
  VISAGE_CHECK(!(options.has("metric") && options.has("fold-weights")),
               "--fold-weights needs --fold-metric, not --metric: each fold's model has its own "
               "embedding space, and so its own metric");
  VISAGE_CHECK(!learned || !options.has("distance") || options.get("distance") == "cosine",
               "a learned metric's outputs are compared by cosine distance; drop --distance ",
               options.get("distance"));
  const auto metric = eval::parse_distance(
      learned ? "cosine" : (options.has("distance") ? options.get("distance") : "squared_l2"));

  // One table for every fold, or one per fold (a model per fold), or an ensemble's members.
  std::vector<eval::EmbeddingTable> tables;
  bool ensemble = false;
  if (options.has("embeddings")) {
    VISAGE_CHECK(!options.has("model"), "give --embeddings or --model, not both");
    for (const std::string& file : split_list(options.get("embeddings"))) {
      tables.push_back(eval::read_embeddings(file));
    }
    ensemble = tables.size() > 1;
    VISAGE_CHECK(!ensemble || !learned, "an ensemble of embeddings files takes no learned metric");
  } else {
    VISAGE_CHECK(!(options.has("weights") && options.has("fold-weights")),
                 "give --weights (one model) or --fold-weights (one per fold), not both");
    VISAGE_CHECK(options.has("model") && options.has("images") &&
                     (options.has("weights") != options.has("fold-weights")),
                 "give --embeddings E.h5, or --model, --images and either "
                 "--weights or --fold-weights to compute them\n\n",
                 options.usage());
    if (options.has("fold-weights")) {
      tables = embed_per_fold(options, protocol);
    } else {
      tables.push_back(
          compute_embeddings(options, data::images_of(protocol), options.get("weights")));
    }
  }
  if (options.has("metric")) {
    tables.front() = apply_metric(options.get("metric"), tables.front());
  } else if (options.has("fold-metric")) {
    const std::vector<std::string> metrics =
        fold_files(options, "fold-metric", "metric",
                   "does not exist (`visage fit-metric` writes it)", protocol.num_folds);
    if (tables.size() == 1) {
      // One model's embeddings, mapped by each fold's metric.
      const eval::EmbeddingTable shared = std::move(tables.front());
      tables.clear();
      for (const std::string& file : metrics) tables.push_back(apply_metric(file, shared));
    } else {
      for (size_t fold = 0; fold < metrics.size(); ++fold) {
        tables[fold] = apply_metric(metrics[fold], tables[fold]);
      }
    }
  }
  std::vector<eval::ScoredPair> scored;
  if (ensemble) {
    std::vector<std::vector<eval::ScoredPair>> members;
    for (const eval::EmbeddingTable& table : tables) {
      members.push_back(eval::score_pairs(protocol, table.lookup(), metric));
    }
    scored = eval::sum_distances(members);
  } else if (tables.size() == 1) {
    scored = eval::score_pairs(protocol, tables.front().lookup(), metric);
  } else {
    std::vector<eval::EmbeddingLookup> lookups;
    for (const eval::EmbeddingTable& table : tables) lookups.push_back(table.lookup());
    scored = eval::score_pairs_by_fold(protocol, lookups, metric);
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
    write_file(prefix + "_roc.svg", eval::roc_svg(result, references));
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

#include <filesystem>
#include <iostream>
#include <sstream>

#include "core/error.hpp"
#include "eval/embeddings_file.hpp"
#include "eval/pairs.hpp"
#include "eval/report.hpp"
#include "eval/roc_plot.hpp"
#include "eval/verification.hpp"
#include "tools/embedding_run.hpp"
#include "tools/options.hpp"

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

}  // namespace

int run_verify(Args args) {
  Options options(
      "verify",
      "Face verification on a pairs file in LFW's format (View 1 or View 2). With 10 folds, each "
      "fold is scored with the threshold that maximises accuracy on the other nine, and accuracy "
      "is reported as mean +/- standard error over the folds, as the DeepFace and FaceNet papers "
      "do; AUC, EER and VAL@FAR (FaceNet's validation rate) come from all pairs. Embeddings come "
      "from --embeddings (written by `visage embed`), or are computed first from --model, "
      "--weights and --images. A pair naming an image without an embedding is an error.");
  options
      .value("pairs", "FILE", "pairs file (LFW pairs.txt, pairsDevTest.txt, or `visage synth`'s)")
      .value("embeddings", "E.h5", "embeddings written by `visage embed`")
      .value("distance", "NAME", "squared_l2, l2 or cosine", "squared_l2")
      .value("far", "LIST", "false accept rates for VAL@FAR, comma-separated", "1e-3")
      .value("threshold", "T", "use this fixed threshold instead of choosing one")
      .value("out", "PREFIX", "also write PREFIX_roc.csv, PREFIX_roc.png and PREFIX.json")
      .flag("json", "print the result as JSON instead of the summary");
  add_embedding_options(options);
  if (!options.parse(args)) return 0;
  VISAGE_CHECK(options.has("pairs"), "visage verify: --pairs is required\n\n", options.usage());

  const eval::PairsProtocol protocol = eval::read_pairs_file(options.get("pairs"));
  eval::EmbeddingTable table(0);
  if (options.has("embeddings")) {
    VISAGE_CHECK(!options.has("model"), "visage verify: give --embeddings or --model, not both");
    table = eval::read_embeddings(options.get("embeddings"));
  } else {
    VISAGE_CHECK(options.has("model") && options.has("images"),
                 "visage verify: give --embeddings E.h5, or --model, --weights and --images to "
                 "compute them\n\n",
                 options.usage());
    table = compute_embeddings(options, eval::images_of(protocol));
  }

  eval::VerificationOptions verification;
  verification.target_fars = parse_fars(options.get("far"));
  if (options.has("threshold")) verification.fixed_threshold = options.get_double("threshold");
  const auto metric = eval::parse_distance(options.get("distance"));
  const auto result = eval::evaluate_verification(protocol, table.lookup(), metric, verification);

  std::cout << (options.get_flag("json") ? eval::verification_json(result)
                                         : eval::verification_summary(result));
  if (options.has("out")) {
    const std::string prefix = options.get("out");
    const std::filesystem::path parent = std::filesystem::path(prefix).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    eval::write_text_file(prefix + "_roc.csv", eval::roc_csv(result.roc));
    eval::write_text_file(prefix + ".json", eval::verification_json(result));
    eval::write_roc_png(result.roc, eval::roc_plot_title(result), prefix + "_roc.png");
    std::cerr << "wrote " << prefix << "_roc.csv, " << prefix << "_roc.png, " << prefix
              << ".json\n";
  }
  return 0;
}

}  // namespace visage::tools

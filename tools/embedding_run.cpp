#include "tools/embedding_run.hpp"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <unordered_map>

#include "core/device_choice.hpp"
#include "core/error.hpp"
#include "core/net.hpp"
#include "datasets/image_io.hpp"
#include "eval/embedding_extractor.hpp"
#include "eval/image_files.hpp"
#include "solvers/builtin_layers.hpp"
#include "solvers/snapshot.hpp"

namespace visage::tools {

void add_embedding_options(Options& options) {
  options.value("model", "NET.prototxt", "network whose output is the embedding (TEST phase)")
      .value("weights", "W.h5", "trained weights (a snapshot or `visage train`'s final weights)")
      .value("images", "DIR|LIST", "image folder (paths relative to it) or a list file")
      .value("output", "TOP", "which top is the embedding (default: the net's only output)")
      .value("batch", "N", "images per forward pass (default: the model's input batch)")
      .value("device", "DEV", kDeviceHelp, "auto")
      .flag("flip", "average the embeddings of each image and its mirror image");
}

eval::EmbeddingTable compute_embeddings(const Options& options,
                                        const std::vector<std::string>& wanted,
                                        const std::string& weights) {
  VISAGE_CHECK(options.has("model") && options.has("images"),
               "computing embeddings needs --model, --weights and --images");
  Context ctx = make_context(options.get("device"), 1);
  NetOptions net_options;
  net_options.phase = proto::TEST;
  const std::string model = options.get("model");
  Net net(load_net_config(model), net_options, ctx, builtin_layers());
  load_weights(net, weights);

  const std::string output =
      options.has("output") ? options.get("output")
                            : eval::sole_output(net, model, "choose the embedding with --output");
  int64_t batch = 0;
  if (options.has("batch")) {
    batch = options.get_int("batch");
    VISAGE_CHECK(batch > 0, "--batch must be positive");
  }
  eval::EmbeddingExtractor extractor(net, output, batch, options.get_flag("flip"), model);
  const eval::ImageList images = eval::list_images(options.get("images"), wanted);

  const auto start = std::chrono::steady_clock::now();
  const auto prepare = [&](size_t i) {
    const data::Image image =
        data::read_image(eval::resolve_image(images.root, images.names[i]), extractor.channels());
    return eval::prepare_for_input(image, extractor.input_param(), extractor.height(),
                                   extractor.width());
  };
  const auto report = [&](size_t done, size_t total) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cerr << "\rembedded " << done << "/" << total << " images ("
              << static_cast<int>(static_cast<double>(done) / std::max(seconds, 1e-9))
              << " images/s)" << std::flush;
  };
  eval::EmbeddingTable table = extractor.embed(images.names, prepare, ctx, report);
  std::cerr << "\n";
  return table;
}

std::vector<std::string> fold_files(const Options& options, const std::string& flag,
                                    const std::string& what, const std::string& absent,
                                    int num_folds) {
  const std::string pattern = options.get(flag);
  const std::string marker = "{fold}";
  VISAGE_CHECK(pattern.find(marker) != std::string::npos, "--", flag, " ", pattern,
               ": the pattern must contain {fold}, e.g. runs/fold{fold}/", what, ".h5");
  VISAGE_CHECK(num_folds >= 2, "--", flag, " needs a pairs file with folds (View 2), not one with ",
               num_folds);
  std::vector<std::string> files;
  for (int fold = 1; fold <= num_folds; ++fold) {
    std::string file = pattern;
    for (size_t at = file.find(marker); at != std::string::npos; at = file.find(marker, at)) {
      file.replace(at, marker.size(), std::to_string(fold));
    }
    VISAGE_CHECK(std::filesystem::exists(file), "--", flag, ": fold ", fold, "'s ", what, " ", file,
                 " ", absent);
    files.push_back(std::move(file));
  }
  return files;
}

std::vector<eval::EmbeddingTable> embed_per_fold(const Options& options,
                                                 const data::PairsProtocol& protocol) {
  const std::vector<std::string> weights =
      fold_files(options, "fold-weights", "weights", "do not exist", protocol.num_folds);
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

void check_each_image_in_one_fold(const data::PairsProtocol& protocol) {
  std::unordered_map<std::string, int> fold_of;
  for (const data::ImagePair& pair : protocol.pairs) {
    for (const std::string& image : {pair.first, pair.second}) {
      const auto [seen, first] = fold_of.emplace(image, pair.fold);
      VISAGE_CHECK(first || seen->second == pair.fold, protocol.source, ": image ", image,
                   " is named by the pairs of folds ", seen->second + 1, " and ", pair.fold + 1,
                   ", so each fold's model would give it its own embedding, and one file holds "
                   "one (score such pairs with `visage verify --fold-weights` instead)");
    }
  }
}

eval::EmbeddingTable merge_fold_tables(std::span<const eval::EmbeddingTable> tables) {
  eval::EmbeddingTable merged;
  for (const eval::EmbeddingTable& table : tables) {
    for (size_t row = 0; row < table.size(); ++row) {
      merged.add(table.paths()[row], table.values().subspan(row * table.dim(), table.dim()));
    }
  }
  return merged;
}

}  // namespace visage::tools

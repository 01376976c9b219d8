#include "tools/embedding_run.hpp"

#include <chrono>
#include <iostream>

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

}  // namespace visage::tools

#include <iostream>

#include "core/error.hpp"
#include "datasets/pairs.hpp"
#include "eval/embeddings_file.hpp"
#include "tools/embedding_run.hpp"

namespace visage::tools {

int run_embed(Args args) {
  Options options("embed",
                  "Computes the embedding of every image with a trained network and stores them "
                  "with the image paths in an HDF5 file for `visage verify`. Images are prepared "
                  "as the model's input layer's face_transform_param says for the TEST phase "
                  "(precrop, resize, centre crop, normalisation), else resized to the input "
                  "size and scaled to [0, 1]. With --fold-weights instead of --weights, each "
                  "fold of --pairs (View 2) has its own model, and each image is embedded by the "
                  "model of the fold whose pairs name it: one such file per network makes an "
                  "ensemble of per-fold models for `visage verify --embeddings A.h5,B.h5`.");
  add_embedding_options(options);
  options.value("out", "E.h5", "where to write the embeddings")
      .value("pairs", "FILE", "embed only the images this pairs file names")
      .value("fold-weights", "PATTERN",
             "one model per fold of --pairs: weights files named by PATTERN with {fold} = 1, 2, "
             "...");
  if (!options.parse(args)) return 0;
  VISAGE_CHECK(options.has("out"), "--out is required\n\n", options.usage());
  VISAGE_CHECK(!(options.has("weights") && options.has("fold-weights")),
               "give --weights (one model) or --fold-weights (one per fold), not both");
  VISAGE_CHECK(options.has("model") && options.has("images") &&
                   (options.has("weights") != options.has("fold-weights")),
               "--model, --images and either --weights or --fold-weights are required\n\n",
               options.usage());
  VISAGE_CHECK(!options.has("fold-weights") || options.has("pairs"),
               "--fold-weights needs --pairs: its folds say which model embeds which image");
  eval::EmbeddingTable table;
  std::string weights;
  if (options.has("fold-weights")) {
    const data::PairsProtocol protocol = data::read_pairs_file(options.get("pairs"));
    check_each_image_in_one_fold(protocol);
    table = merge_fold_tables(embed_per_fold(options, protocol));
    weights = options.get("fold-weights");
  } else {
    std::vector<std::string> wanted;
    if (options.has("pairs")) {
      wanted = data::images_of(data::read_pairs_file(options.get("pairs")));
    }
    weights = options.get("weights");
    table = compute_embeddings(options, wanted, weights);
  }
  eval::EmbeddingProvenance provenance{options.get("model"), weights, options.get("images"),
                                       options.get_flag("flip")};
  eval::write_embeddings(table, provenance, options.get("out"));
  std::cout << "wrote " << table.size() << " embeddings of dimension " << table.dim() << " to "
            << options.get("out") << "\n";
  return 0;
}

}  // namespace visage::tools

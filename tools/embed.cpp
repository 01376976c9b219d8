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
                  "size and scaled to [0, 1].");
  add_embedding_options(options);
  options.value("out", "E.h5", "where to write the embeddings")
      .value("pairs", "FILE", "embed only the images this pairs file names");
  if (!options.parse(args)) return 0;
  VISAGE_CHECK(options.has("out"), "--out is required\n\n", options.usage());
  VISAGE_CHECK(options.has("model") && options.has("weights") && options.has("images"),
               "--model, --weights and --images are required\n\n", options.usage());
  std::vector<std::string> wanted;
  if (options.has("pairs")) wanted = data::images_of(data::read_pairs_file(options.get("pairs")));
  const eval::EmbeddingTable table = compute_embeddings(options, wanted, options.get("weights"));
  eval::EmbeddingProvenance provenance{options.get("model"), options.get("weights"),
                                       options.get("images"), options.get_flag("flip")};
  eval::write_embeddings(table, provenance, options.get("out"));
  std::cout << "wrote " << table.size() << " embeddings of dimension " << table.dim() << " to "
            << options.get("out") << "\n";
  return 0;
}

}  // namespace visage::tools

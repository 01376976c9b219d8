// Computing embeddings with a trained network: shared by `visage embed` and `visage verify`.
#pragma once

#include <string>
#include <vector>

#include "eval/embeddings.hpp"
#include "tools/options.hpp"

namespace visage::tools {

// --model, --weights, --images, --output, --flip, --batch, --device.
void add_embedding_options(Options& options);

// Embeds `wanted` (paths relative to --images), or every image under --images when empty, with
// --model and the given weights file.
eval::EmbeddingTable compute_embeddings(const Options& options,
                                        const std::vector<std::string>& wanted,
                                        const std::string& weights);

}  // namespace visage::tools

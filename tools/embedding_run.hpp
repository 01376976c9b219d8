// Computing embeddings with a trained network, or with one per fold: shared by `visage embed` and
// `visage verify`.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "datasets/pairs.hpp"
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

// The file of each fold that `flag` names: its pattern with {fold} replaced by 1 .. num_folds.
// `what` names one fold's file in messages ("weights", "metric"), `absent` says it is missing.
std::vector<std::string> fold_files(const Options& options, const std::string& flag,
                                    const std::string& what, const std::string& absent,
                                    int num_folds);

// One table per fold of `protocol`: the images of fold k's pairs embedded with fold k's model,
// the weights --fold-weights names (LFW's unrestricted protocol: trained without fold k's people).
std::vector<eval::EmbeddingTable> embed_per_fold(const Options& options,
                                                 const data::PairsProtocol& protocol);

// Throws for an image named by the pairs of two folds: with a model per fold it would have two
// embeddings (LFW's View 2 folds share no one).
void check_each_image_in_one_fold(const data::PairsProtocol& protocol);

// embed_per_fold's tables as one, each image with its own fold's embedding (what an ensemble of
// per-fold models needs from each member). Throws for an image in two tables.
eval::EmbeddingTable merge_fold_tables(std::span<const eval::EmbeddingTable> tables);

}  // namespace visage::tools

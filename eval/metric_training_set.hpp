// The labelled embeddings a learned metric is fitted on, chosen by identity. An image's identity
// is the folder it sits in (`<name>/<name>_<NNNN>.jpg`, LFW's and `visage synth`'s layout). For
// LFW's unrestricted protocol, fold k's metric must come from fold k's training people only: the
// people of the pairs file's other folds. The selection copies only those rows, so the fit never
// reads a held-out image.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "datasets/pairs.hpp"
#include "eval/embeddings.hpp"

namespace visage::eval {

struct LabelledEmbeddings {
  size_t dim = 0;
  std::vector<float> values;            // N x dim row-major
  std::vector<int64_t> labels;          // N indices into `identities`
  std::vector<std::string> identities;  // sorted
};

// The folder an image path names: "Abel_Pacheco/Abel_Pacheco_0001.jpg" -> "Abel_Pacheco". Throws
// for a path with no folder (its identity would be a guess).
std::string identity_of_path(const std::string& image_path);

// The identities named by the pairs of every fold except `held_out` (0-based).
std::set<std::string> training_identities(const data::PairsProtocol& protocol, int held_out);

// The rows of `table` whose identity is in `allowed` (every row without it), in table
// order; rows of other identities are never read.
LabelledEmbeddings select_by_identity(const EmbeddingTable& table,
                                      const std::optional<std::set<std::string>>& allowed);

}  // namespace visage::eval

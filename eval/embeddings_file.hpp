// Embeddings on disk: one HDF5 file with `embeddings` (N x D float), `paths` (the N image paths as
// HDF5 strings, relative to the images folder as the pairs files name them) and attributes saying
// which model made them. Files written by other tools are read too: any N x D numeric dataset
// with a `paths` dataset of N strings (docs/evaluation.md).
#pragma once

#include <string>

#include "eval/embeddings.hpp"

namespace visage::eval {

struct EmbeddingProvenance {
  std::string model;    // network config
  std::string weights;  // weights file, or the pattern naming one per fold (`embed --fold-weights`)
  std::string images;   // folder or list the images came from
  bool flip_averaged = false;
};

void write_embeddings(const EmbeddingTable& table, const EmbeddingProvenance& provenance,
                      const std::string& path);
// Throws naming the file for a missing, unreadable or inconsistent file.
EmbeddingTable read_embeddings(const std::string& path);

}  // namespace visage::eval

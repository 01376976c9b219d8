// Embedding vectors keyed by image path (relative to the images folder, as the pairs files name
// them): what `visage embed` writes and `visage verify` reads.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace visage::eval {

// Returns the embedding of an image, or an empty span when there is none.
using EmbeddingLookup = std::function<std::span<const float>(const std::string& image_path)>;

class EmbeddingTable {
 public:
  // dim 0: the dimension is taken from the first vector added.
  explicit EmbeddingTable(size_t dim = 0);

  // Throws on an empty vector, one of the wrong dimension, or a path added twice.
  void add(const std::string& image_path, std::span<const float> vector);

  // The embedding of `image_path`, or else of the one image with the same name but another
  // extension (pairs files say `<name>_<NNNN>.jpg`, LFW's convention, while a folder written by
  // `visage synth` holds .png files); empty when there is none or the name is ambiguous.
  std::span<const float> find(const std::string& image_path) const;
  // A lookup into this table; the table must outlive it.
  EmbeddingLookup lookup() const;

  size_t dim() const { return dim_; }
  size_t size() const { return paths_.size(); }
  const std::vector<std::string>& paths() const { return paths_; }
  // Row i is the embedding of paths()[i].
  std::span<const float> values() const { return values_; }

 private:
  size_t dim_;
  std::vector<std::string> paths_;
  std::vector<float> values_;
  std::unordered_map<std::string, size_t> row_of_;
  // Rows by path without extension; kAmbiguous where two paths share one.
  static constexpr size_t kAmbiguous = static_cast<size_t>(-1);
  std::unordered_map<std::string, size_t> row_of_stem_;
};

}  // namespace visage::eval

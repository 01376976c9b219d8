#include "eval/embeddings.hpp"

#include "core/error.hpp"

namespace visage::eval {

EmbeddingTable::EmbeddingTable(size_t dim) : dim_(dim) {}

void EmbeddingTable::add(const std::string& image_path, std::span<const float> vector) {
  VISAGE_CHECK(!vector.empty(), "embedding of ", image_path, " is empty");
  if (dim_ == 0) dim_ = vector.size();
  VISAGE_CHECK(vector.size() == dim_, "embedding of ", image_path, " has dimension ", vector.size(),
               ", expected ", dim_);
  const auto [it, inserted] = row_of_.emplace(image_path, paths_.size());
  VISAGE_CHECK(inserted, "image ", image_path, " has two embeddings");
  paths_.push_back(image_path);
  values_.insert(values_.end(), vector.begin(), vector.end());
}

std::span<const float> EmbeddingTable::find(const std::string& image_path) const {
  const auto it = row_of_.find(image_path);
  if (it == row_of_.end()) return {};
  return std::span<const float>(values_).subspan(it->second * dim_, dim_);
}

EmbeddingLookup EmbeddingTable::lookup() const {
  return [this](const std::string& image_path) { return find(image_path); };
}

}  // namespace visage::eval

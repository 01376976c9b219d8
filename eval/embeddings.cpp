#include "eval/embeddings.hpp"

#include "core/error.hpp"

namespace visage::eval {
namespace {

// "a/b_0001.png" -> "a/b_0001"; a name without an extension stays as it is.
std::string without_extension(const std::string& image_path) {
  const size_t dot = image_path.rfind('.');
  const size_t slash = image_path.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return image_path;
  return image_path.substr(0, dot);
}

}  // namespace

EmbeddingTable::EmbeddingTable(size_t dim) : dim_(dim) {}

void EmbeddingTable::add(const std::string& image_path, std::span<const float> vector) {
  VISAGE_CHECK(!vector.empty(), "embedding of ", image_path, " is empty");
  if (dim_ == 0) dim_ = vector.size();
  VISAGE_CHECK(vector.size() == dim_, "embedding of ", image_path, " has dimension ", vector.size(),
               ", expected ", dim_);
  const auto [it, inserted] = row_of_.emplace(image_path, paths_.size());
  VISAGE_CHECK(inserted, "image ", image_path, " has two embeddings");
  const auto [stem, first_of_stem] =
      row_of_stem_.emplace(without_extension(image_path), it->second);
  if (!first_of_stem) stem->second = kAmbiguous;
  paths_.push_back(image_path);
  values_.insert(values_.end(), vector.begin(), vector.end());
}

std::span<const float> EmbeddingTable::find(const std::string& image_path) const {
  auto it = row_of_.find(image_path);
  if (it == row_of_.end()) {
    it = row_of_stem_.find(without_extension(image_path));
    if (it == row_of_stem_.end() || it->second == kAmbiguous) return {};
  }
  return std::span<const float>(values_).subspan(it->second * dim_, dim_);
}

EmbeddingLookup EmbeddingTable::lookup() const {
  return [this](const std::string& image_path) { return find(image_path); };
}

}  // namespace visage::eval

#include "core/registry.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace visage {
namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      const bool same = std::tolower(a[i - 1]) == std::tolower(b[j - 1]);
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

void LayerRegistry::add(const std::string& type, Factory factory) {
  VISAGE_CHECK(!contains(type), "layer type '", type, "' registered twice");
  factories_.emplace(type, std::move(factory));
}

std::vector<std::string> LayerRegistry::types() const {
  std::vector<std::string> out;
  for (const auto& [type, factory] : factories_) out.push_back(type);
  return out;
}

std::unique_ptr<Layer> LayerRegistry::create(const proto::LayerParameter& param) const {
  const auto it = factories_.find(param.type());
  if (it == factories_.end()) {
    std::string best;
    size_t best_distance = 4;  // suggest only near misses
    for (const auto& [type, factory] : factories_) {
      const size_t d = edit_distance(param.type(), type);
      if (d < best_distance) {
        best_distance = d;
        best = type;
      }
    }
    std::string known;
    for (const auto& [type, factory] : factories_) known += (known.empty() ? "" : ", ") + type;
    fail("layer '", param.name(), "': unknown layer type '", param.type(), "'",
         best.empty() ? std::string() : concat(" (did you mean '", best, "'?)"),
         "; known types: ", known);
  }
  return it->second(param);
}

}  // namespace visage

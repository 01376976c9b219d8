#include "eval/metric_training_set.hpp"

#include <filesystem>
#include <map>

#include "core/error.hpp"
#include "datasets/file_dataset.hpp"

namespace visage::eval {

std::string identity_of_path(const std::string& image_path) {
  const std::string folder = std::filesystem::path(image_path).parent_path().filename().string();
  VISAGE_CHECK(!folder.empty(), "image ", image_path,
               " is in no folder, so it has no identity (images are expected as "
               "<identity>/<image>, as LFW and `visage synth` lay them out)");
  return folder;
}

std::set<std::string> training_identities(const data::PairsProtocol& protocol, int held_out) {
  VISAGE_CHECK(held_out >= 0 && held_out < protocol.num_folds, protocol.source, ": no fold ",
               held_out + 1, " (the pairs file has ", protocol.num_folds, ")");
  // The same selection as the training data's (datasets/file_dataset.hpp), so that the metric's
  // people are exactly fold k's model's. LFW's folds are identity-disjoint; a pairs file whose
  // are not still keeps the held-out fold's people out.
  std::vector<int> other_folds;
  for (int fold = 0; fold < protocol.num_folds; ++fold) {
    if (fold != held_out) other_folds.push_back(fold);
  }
  std::set<std::string> identities = data::identities_in_folds(protocol, other_folds);
  const int held_out_fold[] = {held_out};
  for (const std::string& name : data::identities_in_folds(protocol, held_out_fold)) {
    identities.erase(name);
  }
  return identities;
}

LabelledEmbeddings select_by_identity(const EmbeddingTable& table,
                                      const std::optional<std::set<std::string>>& allowed) {
  LabelledEmbeddings out;
  out.dim = table.dim();
  std::vector<size_t> rows;
  std::vector<std::string> names;
  for (size_t row = 0; row < table.size(); ++row) {
    std::string name = identity_of_path(table.paths()[row]);
    if (allowed && !allowed->contains(name)) continue;
    rows.push_back(row);
    names.push_back(std::move(name));
  }
  std::map<std::string, int64_t> label_of;
  for (const std::string& name : names) label_of.emplace(name, 0);
  for (auto& [name, label] : label_of) {
    label = static_cast<int64_t>(out.identities.size());
    out.identities.push_back(name);
  }
  out.values.reserve(rows.size() * out.dim);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto row = table.values().subspan(rows[i] * out.dim, out.dim);
    out.values.insert(out.values.end(), row.begin(), row.end());
    out.labels.push_back(label_of[names[i]]);
  }
  return out;
}

}  // namespace visage::eval

#include "datasets/file_dataset.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>

#include "core/error.hpp"
#include "datasets/image_io.hpp"

namespace visage::data {
namespace {

namespace fs = std::filesystem;

bool has_image_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".pgm" || ext == ".ppm" ||
         ext == ".pnm";
}

std::vector<fs::path> sorted_entries(const fs::path& folder, bool folders) {
  std::vector<fs::path> entries;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder)) {
    // A broken link is listed too, so that it is counted and named as a missing image instead of
    // vanishing without a word.
    std::error_code ec;
    const bool file_or_link = entry.is_regular_file(ec) || entry.is_symlink(ec);
    if (folders ? entry.is_directory() : file_or_link && has_image_extension(entry.path())) {
      entries.push_back(entry.path());
    }
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

std::string identity_of(const fs::path& image) { return image.parent_path().filename().string(); }

// Rebuilds the list order after images were removed or identities reordered, keeping the
// surviving images in their previous order.
void rebuild_list_order(FileDataset& dataset, const std::vector<IdentityImages>& before) {
  if (dataset.list_order.empty()) return;
  std::map<fs::path, SampleRef> position;
  for (size_t i = 0; i < dataset.identities.size(); ++i) {
    const auto& images = dataset.identities[i].images;
    for (size_t j = 0; j < images.size(); ++j) {
      position[images[j]] = {static_cast<int>(i), static_cast<int>(j)};
    }
  }
  std::vector<SampleRef> order;
  for (const SampleRef& ref : dataset.list_order) {
    const auto& image =
        before[static_cast<size_t>(ref.identity)].images[static_cast<size_t>(ref.index)];
    if (const auto it = position.find(image); it != position.end()) order.push_back(it->second);
  }
  dataset.list_order = std::move(order);
}

void drop_empty_identities(std::vector<IdentityImages>& identities) {
  std::erase_if(identities, [](const IdentityImages& id) { return id.images.empty(); });
}

}  // namespace

std::size_t FileDataset::num_images() const {
  std::size_t n = 0;
  for (const auto& id : identities) n += id.images.size();
  return n;
}

FileDataset scan_identity_folders(const fs::path& root) {
  FileDataset dataset;
  dataset.source = root.string();
  VISAGE_CHECK(fs::is_directory(root), root.string(),
               ": no such folder (expected identity folders)");
  with_context(root.string(), [&] {
    try {
      for (const fs::path& folder : sorted_entries(root, true)) {
        IdentityImages id{folder.filename().string(), 0, sorted_entries(folder, false)};
        if (!id.images.empty()) dataset.identities.push_back(std::move(id));
      }
    } catch (const fs::filesystem_error& e) {
      fail("cannot list: ", e.what());
    }
  });
  VISAGE_CHECK(!dataset.identities.empty(), root.string(),
               ": holds no identity folders with images (.jpg, .png, .pgm, .ppm)");
  relabel(dataset);
  return dataset;
}

FileDataset read_image_list(const fs::path& list_file, const fs::path& root_folder) {
  std::ifstream in(list_file);
  VISAGE_CHECK(in, list_file.string(), ": cannot open the image list");
  std::map<int, IdentityImages> by_label;
  std::vector<std::pair<int, int>> order;  // (label, index within label)
  std::string line;
  for (int line_number = 1; std::getline(in, line); ++line_number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto begin = line.find_first_not_of(" \t");
    if (begin == std::string::npos || line[begin] == '#') continue;
    const auto end = line.find_last_not_of(" \t");
    const auto split = line.find_last_of(" \t", end);
    VISAGE_CHECK(split != std::string::npos && split > begin, list_file.string(), ":", line_number,
                 ": expected 'path label'");
    const std::string label_text = line.substr(split + 1, end - split);
    const bool digits = !label_text.empty() && std::ranges::all_of(label_text, [](char c) {
      return c >= '0' && c <= '9';
    });
    VISAGE_CHECK(digits, list_file.string(), ":", line_number, ": label '", label_text,
                 "' is not a non-negative integer");
    VISAGE_CHECK(label_text.size() <= 9 || (label_text.size() == 10 && label_text <= "2147483647"),
                 list_file.string(), ":", line_number, ": label ", label_text,
                 " is larger than the largest label, 2147483647");
    const int label = std::stoi(label_text);
    const fs::path relative(line.substr(begin, line.find_last_not_of(" \t", split) - begin + 1));
    IdentityImages& id = by_label[label];
    if (id.images.empty()) {
      id.label = label;
      id.name = identity_of(relative);
      if (id.name.empty()) id.name = "label_" + std::to_string(label);
    }
    order.emplace_back(label, static_cast<int>(id.images.size()));
    id.images.push_back(relative.is_absolute() ? relative : root_folder / relative);
  }
  VISAGE_CHECK(!by_label.empty(), list_file.string(), ": lists no images");
  FileDataset dataset;
  dataset.source = list_file.string();
  std::map<int, int> identity_of_label;
  for (auto& [label, id] : by_label) {
    identity_of_label[label] = static_cast<int>(dataset.identities.size());
    dataset.identities.push_back(std::move(id));
  }
  for (const auto& [label, index] : order)
    dataset.list_order.push_back({identity_of_label[label], index});
  return dataset;
}

std::set<std::string> identities_in_folds(const data::PairsProtocol& pairs,
                                          std::span<const int> folds) {
  for (int fold : folds) {
    VISAGE_CHECK(fold >= 0 && fold < pairs.num_folds, pairs.source, ": has folds 0..",
                 pairs.num_folds - 1, ", not ", fold);
  }
  std::set<std::string> names;
  for (const data::ImagePair& pair : pairs.pairs) {
    if (std::find(folds.begin(), folds.end(), pair.fold) == folds.end()) continue;
    names.insert(identity_of(pair.first));
    names.insert(identity_of(pair.second));
  }
  return names;
}

FilterReport apply_filter(FileDataset& dataset, const DatasetFilter& filter) {
  VISAGE_CHECK(filter.image_fraction > 0 && filter.image_fraction <= 1,
               "image fraction must be in (0, 1], not ", filter.image_fraction);
  FilterReport report;
  report.identities_before = dataset.identities.size();
  report.images_before = dataset.num_images();
  const std::vector<IdentityImages> before = dataset.identities;
  auto& ids = dataset.identities;
  for (IdentityImages& id : ids) {
    std::erase_if(id.images, [&](const fs::path& image) {
      const std::string identity = identity_of(image);
      return filter.exclude_identities.count(identity) != 0 ||
             (filter.only_identities && filter.only_identities->count(identity) == 0);
    });
    const auto keep = static_cast<size_t>(
        std::ceil(filter.image_fraction * static_cast<double>(id.images.size()) - 1e-9));
    id.images.resize(std::min(id.images.size(), std::max<size_t>(keep, 1)));
  }
  std::erase_if(ids, [&](const IdentityImages& id) {
    return static_cast<int>(id.images.size()) < std::max(filter.min_images_per_identity, 1);
  });
  if (filter.max_identities > 0 && static_cast<int>(ids.size()) > filter.max_identities) {
    std::vector<size_t> ranked(ids.size());
    std::iota(ranked.begin(), ranked.end(), size_t{0});
    std::stable_sort(ranked.begin(), ranked.end(), [&](size_t a, size_t b) {
      return ids[a].images.size() != ids[b].images.size()
                 ? ids[a].images.size() > ids[b].images.size()
                 : ids[a].name < ids[b].name;
    });
    std::vector<bool> keep(ids.size(), false);
    for (int i = 0; i < filter.max_identities; ++i) keep[ranked[static_cast<size_t>(i)]] = true;
    std::vector<IdentityImages> kept;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (keep[i]) kept.push_back(std::move(ids[i]));
    }
    ids = std::move(kept);
  }
  drop_empty_identities(ids);
  rebuild_list_order(dataset, before);
  report.identities_after = ids.size();
  report.images_after = dataset.num_images();
  return report;
}

void relabel(FileDataset& dataset) {
  for (size_t i = 0; i < dataset.identities.size(); ++i) {
    dataset.identities[i].label = static_cast<int>(i);
  }
}

std::size_t drop_missing_files(FileDataset& dataset, const WarningSink& warn) {
  const std::vector<IdentityImages> before = dataset.identities;
  std::size_t dropped = 0;
  for (IdentityImages& id : dataset.identities) {
    dropped += std::erase_if(id.images, [&](const fs::path& image) {
      std::error_code error;
      if (fs::is_regular_file(image, error)) return false;
      if (warn) {
        warn(fs::is_symlink(image, error)
                 ? concat("skipping missing image ", image.string(), " (a link to ",
                          fs::read_symlink(image, error).string(), ", which does not exist)")
                 : "skipping missing image " + image.string());
      }
      return true;
    });
  }
  drop_empty_identities(dataset.identities);
  rebuild_list_order(dataset, before);
  return dropped;
}

FileFaceSource::FileFaceSource(FileDataset dataset, int64_t max_pixels)
    : dataset_(std::move(dataset)), max_pixels_(max_pixels) {
  VISAGE_CHECK(!dataset_.identities.empty(), dataset_.source, ": no images left after filtering");
}

int FileFaceSource::num_images(int identity) const {
  return static_cast<int>(dataset_.identities.at(static_cast<size_t>(identity)).images.size());
}

const fs::path& FileFaceSource::path(int identity, int index) const {
  return dataset_.identities.at(static_cast<size_t>(identity))
      .images.at(static_cast<size_t>(index));
}

Image FileFaceSource::load(int identity, int index) const {
  return read_image(path(identity, index), 0, max_pixels_);
}

int FileFaceSource::label(int identity) const {
  return dataset_.identities.at(static_cast<size_t>(identity)).label;
}

std::string FileFaceSource::describe(int identity, int index) const {
  return path(identity, index).string();
}

std::vector<SampleRef> FileFaceSource::natural_order() const {
  return dataset_.list_order.empty() ? FaceSource::natural_order() : dataset_.list_order;
}

}  // namespace visage::data

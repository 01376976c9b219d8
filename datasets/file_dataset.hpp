// Face datasets stored as image files: the identity-folder layout (root/<identity>/<image>, as
// LFW, CASIA-WebFace and VGGFace2 ship) and Caffe's list files ("path label" per line, paths
// relative to a root folder), with the subset filters of the papers' protocols.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "datasets/bad_images.hpp"
#include "datasets/face_source.hpp"
#include "datasets/image.hpp"
#include "datasets/pairs.hpp"

namespace visage::data {

struct IdentityImages {
  std::string name;  // the identity's folder name
  int label = 0;
  std::vector<std::filesystem::path> images;
};

struct FileDataset {
  std::vector<IdentityImages> identities;
  // A list file's line order (empty for identity folders, whose order is by name).
  std::vector<SampleRef> list_order;
  std::string source;  // for messages

  std::size_t num_images() const;
};

// Identities are the sub-folders of `root` in name order, labelled 0..n-1; their images are the
// files with an image extension (.jpg, .jpeg, .png, .pgm, .ppm, .pnm, any case) in name order.
// Folders without images are left out.
FileDataset scan_identity_folders(const std::filesystem::path& root);

// Caffe's ImageData list: "relative/path.jpg 7" per line (the path may contain spaces; the label
// is the last field). Images with the same label form one identity, named after the folder of its
// first image; identities are ordered by label and keep the file's labels.
FileDataset read_image_list(const std::filesystem::path& list_file,
                            const std::filesystem::path& root_folder);

// The identities (folder names, as in "Aaron_Eckhart/Aaron_Eckhart_0001.jpg") appearing in the
// given 0-based folds of a pairs file.
std::set<std::string> identities_in_folds(const data::PairsProtocol& pairs,
                                          std::span<const int> folds);

struct DatasetFilter {
  // When set, images whose folder is not one of these names are dropped (LFW's View 2 identities).
  std::optional<std::set<std::string>> only_identities;
  // Images whose folder is one of these names are dropped (the identities of held-out folds).
  std::set<std::string> exclude_identities;
  // The first ceil(fraction x n) images of each identity are kept (at least one).
  double image_fraction = 1.0;
  int min_images_per_identity = 1;
  // 0 keeps all; otherwise the identities with the most images (ties: by name).
  int max_identities = 0;
};

struct FilterReport {
  std::size_t identities_before = 0;
  std::size_t images_before = 0;
  std::size_t identities_after = 0;
  std::size_t images_after = 0;
};

// Applies the filters in the order of DatasetFilter's fields; identities left empty go. The list
// order keeps only the surviving images.
FilterReport apply_filter(FileDataset& dataset, const DatasetFilter& filter);

// Gives the identities labels 0..n-1 in their current order.
void relabel(FileDataset& dataset);

// Drops files that do not exist, warning about each; returns how many were dropped.
std::size_t drop_missing_files(FileDataset& dataset, const WarningSink& warn);

// The dataset as a FaceSource: load() reads and decodes the file (in its own channels; the
// transform pipeline converts).
class FileFaceSource : public FaceSource {
 public:
  // Images whose header claims more than `max_pixels` are refused (as bad images) undecoded.
  explicit FileFaceSource(FileDataset dataset, int64_t max_pixels = kDefaultMaxImagePixels);

  int num_identities() const override { return static_cast<int>(dataset_.identities.size()); }
  int num_images(int identity) const override;
  Image load(int identity, int index) const override;
  int label(int identity) const override;
  std::string describe(int identity, int index) const override;
  std::vector<SampleRef> natural_order() const override;

  const FileDataset& dataset() const { return dataset_; }

 private:
  const std::filesystem::path& path(int identity, int index) const;

  FileDataset dataset_;
  int64_t max_pixels_;
};

}  // namespace visage::data

#include "datasets/file_dataset.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "core/error.hpp"
#include "tests/datasets/dataset_test_support.hpp"

namespace visage::data {
namespace {

using testing::pattern_image;
using testing::TempFolder;

// root/<name>/<name>_000i.png with `counts[i]` images for identity i.
void write_folders(const TempFolder& dir, const std::vector<std::pair<std::string, int>>& ids) {
  for (const auto& [name, count] : ids) {
    std::filesystem::create_directories(dir / name);
    for (int i = 1; i <= count; ++i) {
      write_image(pattern_image(4, 4, i),
                  dir.path() / name / (name + "_000" + std::to_string(i) + ".png"));
    }
  }
}

std::vector<std::string> names(const FileDataset& d) {
  std::vector<std::string> out;
  for (const auto& id : d.identities) out.push_back(id.name);
  return out;
}

TEST(FileDataset, ScansIdentityFoldersInNameOrder) {
  TempFolder dir;
  write_folders(dir, {{"Bob", 2}, {"Alice", 3}, {"Empty", 0}});
  testing::write_text(dir / "Alice/notes.txt", "not an image");
  const FileDataset d = scan_identity_folders(dir.path());
  EXPECT_EQ(names(d), (std::vector<std::string>{"Alice", "Bob"}));
  EXPECT_EQ(d.identities[0].label, 0);
  EXPECT_EQ(d.identities[1].label, 1);
  EXPECT_EQ(d.identities[0].images.size(), 3u);
  EXPECT_EQ(d.identities[0].images[0].filename(), "Alice_0001.png");
  EXPECT_THROW(scan_identity_folders(dir / "missing"), Error);
}

TEST(FileDataset, ReadsCaffeListFiles) {
  TempFolder dir;
  testing::write_text(dir / "list.txt",
                      "# comment\nb/b1.png 4\na/a1.png 2\nb/b2.png 4\r\nwith space/x.png 2\n");
  const FileDataset d = read_image_list(dir / "list.txt", dir / "root");
  ASSERT_EQ(d.identities.size(), 2u);
  EXPECT_EQ(d.identities[0].label, 2);  // ordered by label, labels kept
  EXPECT_EQ(d.identities[0].name, "a");
  EXPECT_EQ(d.identities[0].images[1], dir.path() / "root" / "with space/x.png");
  EXPECT_EQ(d.identities[1].label, 4);
  EXPECT_EQ(d.list_order, (std::vector<SampleRef>{{1, 0}, {0, 0}, {1, 1}, {0, 1}}));
  testing::write_text(dir / "bad.txt", "a.png x\n");
  try {
    read_image_list(dir / "bad.txt", dir.path());
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.txt:1"), std::string::npos) << e.what();
  }
}

TEST(FileDataset, FiltersAsTheProtocolsNeed) {
  TempFolder dir;
  write_folders(dir, {{"A", 5}, {"B", 2}, {"C", 4}, {"D", 4}, {"E", 1}});
  {
    FileDataset d = scan_identity_folders(dir.path());
    DatasetFilter f;
    f.max_identities = 2;  // the most images: A (5), then C and D tie at 4 -> by name, C
    const FilterReport r = apply_filter(d, f);
    EXPECT_EQ(names(d), (std::vector<std::string>{"A", "C"}));
    EXPECT_EQ(r.images_before, 16u);
    EXPECT_EQ(r.images_after, 9u);
  }
  {
    FileDataset d = scan_identity_folders(dir.path());
    DatasetFilter f;
    f.min_images_per_identity = 2;
    f.exclude_identities = {"C"};
    apply_filter(d, f);
    EXPECT_EQ(names(d), (std::vector<std::string>{"A", "B", "D"}));
  }
  {
    FileDataset d = scan_identity_folders(dir.path());
    DatasetFilter f;
    f.image_fraction = 0.5;  // ceil(0.5 n), at least one
    apply_filter(d, f);
    std::vector<size_t> counts;
    for (const auto& id : d.identities) counts.push_back(id.images.size());
    EXPECT_EQ(counts, (std::vector<size_t>{3, 1, 2, 2, 1}));
    EXPECT_EQ(d.identities[0].images.back().filename(), "A_0003.png");
  }
}

TEST(FileDataset, ExcludesTheIdentitiesOfPairsFolds) {
  std::istringstream pairs("2\t1\nA\t1\t2\nB\t1\tC\t1\nD\t1\t2\nE\t1\tA\t2\n");
  const data::PairsProtocol protocol = data::parse_pairs(pairs, "pairs.txt");
  const std::vector<int> fold0 = {0};
  EXPECT_EQ(identities_in_folds(protocol, fold0), (std::set<std::string>{"A", "B", "C"}));
  const std::vector<int> bad = {2};
  EXPECT_THROW(identities_in_folds(protocol, bad), Error);
}

TEST(FileDataset, ExcludesLfwView2FoldsFromLfw) {
  SKIP_WITHOUT_LFW();
  const auto root = testing::lfw_root();
  const data::PairsProtocol protocol = data::read_pairs_file(root / "protocol/pairs.txt");
  std::vector<int> folds(10);
  for (int i = 0; i < 10; ++i) folds[static_cast<size_t>(i)] = i;
  FileDataset d = scan_identity_folders(root / "images");
  EXPECT_EQ(d.identities.size(), 5749u);
  EXPECT_EQ(d.num_images(), 13233u);
  DatasetFilter f;
  f.exclude_identities = identities_in_folds(protocol, folds);
  apply_filter(d, f);
  // The README: 1,468 identities (1,549 images) appear in no View 2 pair.
  EXPECT_EQ(d.identities.size(), 1468u);
  EXPECT_EQ(d.num_images(), 1549u);

  // Training for fold 1 under "no outside data": the other nine folds' identities only.
  FileDataset fold1 = scan_identity_folders(root / "images");
  DatasetFilter nine_folds;
  nine_folds.only_identities = identities_in_folds(protocol, folds);
  nine_folds.exclude_identities = identities_in_folds(protocol, std::span(folds).first(1));
  apply_filter(fold1, nine_folds);
  const std::set<std::string> fold1_identities =
      identities_in_folds(protocol, std::span(folds).first(1));
  EXPECT_EQ(fold1.identities.size(), 4281u - fold1_identities.size());
  std::set<std::string> outside_view2;
  for (const auto& id : d.identities) outside_view2.insert(id.name);
  for (const auto& id : fold1.identities) {
    EXPECT_EQ(fold1_identities.count(id.name), 0u) << id.name << " is in the held-out fold";
    EXPECT_EQ(outside_view2.count(id.name), 0u) << id.name << " appears in no View 2 pair";
  }
}

TEST(FileDataset, DropsMissingFilesWithAWarning) {
  TempFolder dir;
  write_folders(dir, {{"A", 2}});
  testing::write_text(dir / "list.txt",
                      "A/A_0001.png 0\nA/gone.png 0\nB/gone.png 1\nA/A_0002.png 0\n");
  FileDataset d = read_image_list(dir / "list.txt", dir.path());
  std::vector<std::string> warnings;
  EXPECT_EQ(drop_missing_files(d, [&](const std::string& w) { warnings.push_back(w); }), 2u);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("gone.png"), std::string::npos);
  ASSERT_EQ(d.identities.size(), 1u);
  EXPECT_EQ(d.list_order, (std::vector<SampleRef>{{0, 0}, {0, 1}}));
}

// A broken link in an identity folder used to vanish from the scan uncounted; it is now listed,
// then counted and named as missing.
TEST(FileDataset, BrokenLinksAreCountedAndNamedAsMissing) {
  TempFolder dir;
  write_folders(dir, {{"A", 2}});
  std::filesystem::create_symlink(dir / "nowhere.png", dir / "A/A_0003.png");
  FileDataset d = scan_identity_folders(dir.path());
  ASSERT_EQ(d.identities[0].images.size(), 3u);
  std::vector<std::string> warnings;
  EXPECT_EQ(drop_missing_files(d, [&](const std::string& w) { warnings.push_back(w); }), 1u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "skipping missing image " + (dir / "A/A_0003.png") + " (a link to " +
                             (dir / "nowhere.png") + ", which does not exist)");
  EXPECT_EQ(d.identities[0].images.size(), 2u);
}

TEST(FileDataset, HugeLabelsAreCalledHugeNotNegative) {
  TempFolder dir;
  testing::write_text(dir / "list.txt", "a.png 4294967296\n");
  try {
    read_image_list(dir / "list.txt", dir.path());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "list.txt") +
                                         ":1: label 4294967296 is larger than "
                                         "the largest label, 2147483647");
  }
  testing::write_text(dir / "list.txt", "a.png 2147483647\nb.png -1\n");
  try {
    read_image_list(dir / "list.txt", dir.path());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir / "list.txt") + ":2: label '-1' is not a non-negative integer");
  }
}

}  // namespace
}  // namespace visage::data

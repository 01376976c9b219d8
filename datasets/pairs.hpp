// LFW pairs files: View 1 (`pairsDevTrain.txt`, `pairsDevTest.txt`: a count line, then that many
// matched and that many mismatched pairs) and View 2 (`pairs.txt`: a `folds<TAB>n` header, then per
// fold n matched and n mismatched pairs). Images are named by their path relative to the images
// folder, `<name>/<name>_<NNNN>.jpg`, which is also how embeddings are keyed.
#pragma once

#include <filesystem>
#include <istream>
#include <string>
#include <vector>

namespace visage::data {

struct ImagePair {
  std::string first;   // relative image path
  std::string second;  // relative image path
  bool same = false;   // true for a matched pair (one identity)
  int fold = 0;        // 0-based; always 0 in View 1
  int line = 0;        // 1-based line in the pairs file, for messages
};

struct PairsProtocol {
  std::vector<ImagePair> pairs;  // in file order, so pair i of View 2 is in fold i / 600
  int num_folds = 1;
  int pairs_per_fold = 0;  // matched + mismatched
  std::string source;      // the file (or name) the pairs came from, for messages
};

// `Abel_Pacheco`, 4 -> `Abel_Pacheco/Abel_Pacheco_0004.jpg`.
std::string lfw_image_path(const std::string& name, int number);

// Parses either view; `source` names the input in error messages (`source:line: ...`).
PairsProtocol parse_pairs(std::istream& in, const std::string& source);
PairsProtocol read_pairs_file(const std::filesystem::path& path);

// The distinct image paths the pairs name, sorted.
std::vector<std::string> images_of(const PairsProtocol& protocol);

}  // namespace visage::data

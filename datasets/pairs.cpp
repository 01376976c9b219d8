#include "datasets/pairs.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/error.hpp"

namespace visage::data {
namespace {

std::vector<std::string> split_fields(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> fields;
  for (std::string field; in >> field;) fields.push_back(field);
  return fields;
}

// A positive decimal integer taking the whole field, or nothing.
bool parse_positive(const std::string& field, int& value) {
  const char* end = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(field.data(), end, value);
  return ec == std::errc() && ptr == end && value > 0;
}

// Reads lines and keeps the line number for messages; a trailing '\r' (a file saved on Windows)
// is dropped so that such files parse the same.
class LineReader {
 public:
  LineReader(std::istream& in, std::string source) : in_(in), source_(std::move(source)) {}

  int line_number() const { return line_number_; }

  bool next(std::string& line) {
    if (!std::getline(in_, line)) return false;
    ++line_number_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  }

  template <typename... Parts>
  [[noreturn]] void fail_here(Parts&&... parts) const {
    fail(source_, ":", line_number_, ": ", std::forward<Parts>(parts)...);
  }

  // For input that ends early: the line that should have followed.
  template <typename... Parts>
  [[noreturn]] void fail_at_next_line(Parts&&... parts) const {
    fail(source_, ":", line_number_ + 1, ": ", std::forward<Parts>(parts)...);
  }

 private:
  std::istream& in_;
  std::string source_;
  int line_number_ = 0;
};

struct Header {
  int num_folds = 1;
  int per_side = 0;  // matched pairs per fold (and mismatched pairs per fold)
};

Header parse_header(LineReader& reader) {
  std::string line;
  if (!reader.next(line)) {
    reader.fail_at_next_line(
        "empty pairs file; expected a header `count` (View 1) or `folds<TAB>count` "
        "(View 2)");
  }
  const auto fields = split_fields(line);
  Header header;
  const bool view1 = fields.size() == 1 && parse_positive(fields[0], header.per_side);
  const bool view2 = fields.size() == 2 && parse_positive(fields[0], header.num_folds) &&
                     parse_positive(fields[1], header.per_side);
  if (!view1 && !view2) {
    reader.fail_here(
        "expected a header `count` (View 1) or `folds<TAB>count` (View 2) with "
        "positive integers, got `",
        line, "`");
  }
  // Pairs are counted and indexed with int; LFW's View 2 has 6000.
  const int64_t total = int64_t{2} * header.num_folds * header.per_side;
  if (total > std::numeric_limits<int>::max()) {
    reader.fail_here("the header `", line, "` promises ", total, " pairs, more than the ",
                     std::numeric_limits<int>::max(), " a pairs file can hold");
  }
  return header;
}

ImagePair parse_pair(const std::string& line, bool same, const LineReader& reader,
                     const std::string& where) {
  const auto fields = split_fields(line);
  int first = 0;
  int second = 0;
  if (same) {
    if (fields.size() != 3 || !parse_positive(fields[1], first) ||
        !parse_positive(fields[2], second)) {
      reader.fail_here("expected a matched pair `name<TAB>i<TAB>j` (", where, "), got `", line,
                       "`");
    }
    return {lfw_image_path(fields[0], first), lfw_image_path(fields[0], second), true, 0,
            reader.line_number()};
  }
  if (fields.size() != 4 || !parse_positive(fields[1], first) ||
      !parse_positive(fields[3], second)) {
    reader.fail_here("expected a mismatched pair `name1<TAB>i<TAB>name2<TAB>j` (", where,
                     "), got `", line, "`");
  }
  return {lfw_image_path(fields[0], first), lfw_image_path(fields[2], second), false, 0,
          reader.line_number()};
}

}  // namespace

std::string lfw_image_path(const std::string& name, int number) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%04d", number);
  return name + "/" + name + "_" + digits + ".jpg";
}

PairsProtocol parse_pairs(std::istream& in, const std::string& source) {
  LineReader reader(in, source);
  const Header header = parse_header(reader);

  PairsProtocol protocol;
  protocol.num_folds = header.num_folds;
  protocol.pairs_per_fold = 2 * header.per_side;
  protocol.source = source;
  // Not reserved: the header is untrusted, and a two-line file could otherwise reserve gigabytes.
  const int expected = header.num_folds * protocol.pairs_per_fold;

  std::string line;
  for (int fold = 0; fold < header.num_folds; ++fold) {
    for (const bool same : {true, false}) {
      for (int i = 0; i < header.per_side; ++i) {
        const std::string where =
            concat("fold ", fold + 1, " of ", header.num_folds, ", ",
                   same ? "matched" : "mismatched", " pair ", i + 1, " of ", header.per_side);
        if (!reader.next(line)) {
          reader.fail_at_next_line("the file ends after ", protocol.pairs.size(), " of ", expected,
                                   " pairs; expected ", where);
        }
        ImagePair pair = parse_pair(line, same, reader, where);
        pair.fold = fold;
        protocol.pairs.push_back(std::move(pair));
      }
    }
  }
  while (reader.next(line)) {
    if (!split_fields(line).empty()) {
      reader.fail_here("expected the end of the file after ", expected, " pairs (",
                       header.num_folds, " fold(s) of ", header.per_side, " matched + ",
                       header.per_side, " mismatched), got `", line, "`");
    }
  }
  return protocol;
}

PairsProtocol read_pairs_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  VISAGE_CHECK(in, "cannot open pairs file ", path.string());
  return parse_pairs(in, path.string());
}

std::vector<std::string> images_of(const PairsProtocol& protocol) {
  std::vector<std::string> images;
  images.reserve(2 * protocol.pairs.size());
  for (const ImagePair& pair : protocol.pairs) {
    images.push_back(pair.first);
    images.push_back(pair.second);
  }
  std::sort(images.begin(), images.end());
  images.erase(std::unique(images.begin(), images.end()), images.end());
  return images;
}

}  // namespace visage::data

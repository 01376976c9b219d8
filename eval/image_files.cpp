#include "eval/image_files.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>

#include "core/error.hpp"

namespace visage::eval {
namespace {

namespace fs = std::filesystem;

bool is_image_name(const fs::path& p) {
  std::string ext = p.extension().string();
  std::ranges::transform(ext, ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".pgm" || ext == ".ppm";
}

}  // namespace

std::optional<fs::path> find_image(const fs::path& root, const std::string& name) {
  fs::path file = root / name;
  if (fs::exists(file)) return file;
  for (const char* ext : {".png", ".jpeg", ".pgm", ".ppm", ".jpg"}) {
    file.replace_extension(ext);
    if (fs::exists(file)) return file;
  }
  return std::nullopt;
}

fs::path resolve_image(const fs::path& root, const std::string& name) {
  if (auto file = find_image(root, name)) return *file;
  fail(root / name, ": no such image (also tried .png, .jpeg, .pgm, .ppm)");
}

ImageList list_images(const std::string& images, const std::vector<std::string>& wanted) {
  if (fs::is_directory(images)) {
    if (!wanted.empty()) return {images, wanted};
    std::vector<std::string> found;
    for (const auto& entry : fs::recursive_directory_iterator(images)) {
      if (entry.is_regular_file() && is_image_name(entry.path())) {
        found.push_back(fs::relative(entry.path(), images).generic_string());
      }
    }
    std::ranges::sort(found);
    VISAGE_CHECK(!found.empty(), images, ": no images (.jpg, .png, .pgm, .ppm) found");
    return {images, found};
  }
  VISAGE_CHECK(fs::exists(images), "--images ", images, ": no such folder or list file");
  const fs::path root = fs::path(images).parent_path();
  std::ifstream in(images);
  std::vector<std::string> listed;
  std::string line;
  while (std::getline(in, line)) {
    const auto end = line.find_first_of(" \t");
    const std::string path = line.substr(0, end);
    if (!path.empty()) listed.push_back(path);
  }
  if (wanted.empty()) return {root, listed};
  for (const auto& w : wanted) {
    VISAGE_CHECK(std::ranges::find(listed, w) != listed.end(), "image '", w,
                 "' (named by the pairs) is not in the list ", images);
  }
  return {root, wanted};
}

}  // namespace visage::eval

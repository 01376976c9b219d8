// Finding the image files that pairs files and `visage embed` name. Images are named by their path
// relative to an images root, as LFW's pairs files and the embedding tables key them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace visage::eval {

// The file for `name` under `root`: the name itself, or the same stem with another image
// extension (pairs files say `<name>_<NNNN>.jpg`, LFW's convention, while a folder written by
// `visage synth` holds .png files); nullopt when there is none.
std::optional<std::filesystem::path> find_image(const std::filesystem::path& root,
                                                const std::string& name);
// find_image(), or an error naming the file and the extensions tried.
std::filesystem::path resolve_image(const std::filesystem::path& root, const std::string& name);

struct ImageList {
  std::filesystem::path root;      // what the names are relative to
  std::vector<std::string> names;  // relative paths
};

// The images to embed from `images`, a folder or a list file (`path [label]` per line, relative
// to the list's folder): the `wanted` ones (each of which a list file must contain), or, when
// `wanted` is empty, every image in the folder (sorted) or the list (in its order).
ImageList list_images(const std::string& images, const std::vector<std::string>& wanted);

}  // namespace visage::eval

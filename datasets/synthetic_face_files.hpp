// Synthetic faces as files: a FaceImage saved as an 8-bit PNG, and a whole synthetic dataset
// written in LFW's layout (the renderer in synthetic/ stays free of file formats).
#pragma once

#include <filesystem>
#include <functional>

#include "synthetic/dataset.hpp"
#include "synthetic/face.hpp"

namespace visage::data {

// Values are clamped to [0, 1] and rounded to 8 bits. Throws visage::Error naming the file when
// libpng cannot write it.
void write_face_png(const synthetic::FaceImage& image, const std::filesystem::path& path);

// Writes every image and, when pairs_per_fold > 0, root/pairs.txt. `progress` is called after each
// identity with the number written so far.
void write_synthetic_dataset(const synthetic::SyntheticDatasetSpec& spec,
                             const std::filesystem::path& root,
                             const std::function<void(int done)>& progress = {});

}  // namespace visage::data

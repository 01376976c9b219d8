#include "tools/embedding_run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "core/error.hpp"
#include "core/net.hpp"
#include "datasets/image_io.hpp"
#include "datasets/transforms.hpp"
#include "solvers/snapshot.hpp"
#include "tools/device_choice.hpp"

namespace visage::tools {
namespace {

namespace fs = std::filesystem;

bool is_image_name(const fs::path& p) {
  std::string ext = p.extension().string();
  std::ranges::transform(ext, ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".pgm" || ext == ".ppm";
}

// Pairs files name images `<name>_<NNNN>.jpg` (LFW's convention); a folder written by
// `visage synth` holds .png files. The embedding keeps the pairs' name, the file may differ.
fs::path resolve_image(const fs::path& root, const std::string& name) {
  fs::path file = root / name;
  if (fs::exists(file)) return file;
  for (const char* ext : {".png", ".jpeg", ".pgm", ".ppm", ".jpg"}) {
    file.replace_extension(ext);
    if (fs::exists(file)) return file;
  }
  fail(root / name, ": no such image (also tried .png, .jpeg, .pgm, .ppm)");
}

// The images to embed, relative to `root`: the wanted ones, a list file's, or a folder's.
std::vector<std::string> image_list(const std::string& images,
                                    const std::vector<std::string>& wanted, fs::path& root) {
  if (fs::is_directory(images)) {
    root = images;
    if (!wanted.empty()) return wanted;
    std::vector<std::string> found;
    for (const auto& entry : fs::recursive_directory_iterator(images)) {
      if (entry.is_regular_file() && is_image_name(entry.path())) {
        found.push_back(fs::relative(entry.path(), images).generic_string());
      }
    }
    std::ranges::sort(found);
    VISAGE_CHECK(!found.empty(), images, ": no images (.jpg, .png, .pgm, .ppm) found");
    return found;
  }
  VISAGE_CHECK(fs::exists(images), "--images ", images, ": no such folder or list file");
  root = fs::path(images).parent_path();
  std::ifstream in(images);
  std::vector<std::string> listed;
  std::string line;
  while (std::getline(in, line)) {
    const auto end = line.find_first_of(" \t");
    const std::string path = line.substr(0, end);
    if (!path.empty()) listed.push_back(path);
  }
  if (wanted.empty()) return listed;
  for (const auto& w : wanted) {
    VISAGE_CHECK(std::ranges::find(listed, w) != listed.end(), "image '", w,
                 "' (named by the pairs) is not in the list ", images);
  }
  return wanted;
}

// Test-time preprocessing: the FaceData/Input layer's face_transform_param when the model has
// one (resize, centre crop, normalise), else a resize to the input size and pixels / 255.
data::FloatImage prepare(const data::Image& image, const proto::LayerParameter& input, int height,
                         int width) {
  data::FloatImage x = data::to_float(image);
  const bool has_transform = input.has_face_transform_param();
  const auto& t = input.face_transform_param();
  if (has_transform && t.resize_height() > 0 && t.resize_width() > 0) {
    x = data::resize(x, static_cast<int>(t.resize_height()), static_cast<int>(t.resize_width()),
                     t.resize_method() == proto::FaceTransformParameter::AREA
                         ? data::ResizeMethod::area
                         : data::ResizeMethod::bilinear);
  }
  if (has_transform && t.crop_height() > 0 && t.crop_width() > 0) {
    x = data::center_crop(x, static_cast<int>(t.crop_height()), static_cast<int>(t.crop_width()));
  }
  if (x.height != height || x.width != width) {
    x = data::resize(x, height, width, data::ResizeMethod::bilinear);
  }
  if (!has_transform) {
    const float mean = 0.0f;
    data::normalize(x, std::span(&mean, 1), 1.0f / 255.0f);
  } else if (t.standardize()) {
    data::standardize(x);
  } else {
    std::vector<float> mean(t.mean_value().begin(), t.mean_value().end());
    if (mean.empty()) mean.push_back(0.0f);
    data::normalize(x, mean, t.scale());
  }
  return x;
}

void write_chw(const data::FloatImage& x, float* out) {
  for (int c = 0; c < x.channels; ++c) {
    for (int y = 0; y < x.height; ++y) {
      for (int col = 0; col < x.width; ++col) {
        *out++ = x.at(y, col, c);
      }
    }
  }
}

}  // namespace

void add_embedding_options(Options& options) {
  options.value("model", "NET.prototxt", "network whose output is the embedding (TEST phase)")
      .value("weights", "W.h5", "trained weights (a snapshot or `visage train`'s final weights)")
      .value("images", "DIR|LIST", "image folder (paths relative to it) or a list file")
      .value("output", "TOP", "which top is the embedding (default: the net's only output)")
      .value("batch", "N", "images per forward pass (default: the model's input batch)")
      .value("device", "DEV", kDeviceHelp, "auto")
      .flag("flip", "average the embeddings of each image and its mirror image");
}

eval::EmbeddingTable compute_embeddings(const Options& options,
                                        const std::vector<std::string>& wanted) {
  VISAGE_CHECK(options.has("model") && options.has("weights") && options.has("images"),
               "computing embeddings needs --model, --weights and --images");
  Context ctx = make_context(options.get("device"), 1);
  NetOptions net_options;
  net_options.phase = proto::TEST;
  Net net(load_net_config(options.get("model")), net_options, ctx);
  load_weights(net, options.get("weights"));

  int input_layer = -1;
  for (int i = 0; i < net.num_layers() && input_layer < 0; ++i) {
    if (net.bottoms(i).empty() && !net.tops(i).empty() && net.tops(i)[0]->num_axes() == 4) {
      input_layer = i;
    }
  }
  VISAGE_CHECK(input_layer >= 0, options.get("model"),
               ": no input layer with an N x C x H x W top to feed images into");
  Tensor& input = *net.tops(input_layer)[0];
  std::string output_name = options.get("output");
  if (output_name.empty()) {
    const auto outputs = net.output_names();
    VISAGE_CHECK(outputs.size() == 1, options.get("model"), ": the net has ", outputs.size(),
                 " outputs; choose the embedding with --output");
    output_name = outputs[0];
  }
  Tensor* output = net.tensor(output_name);
  VISAGE_CHECK(output != nullptr, options.get("model"), ": no top named '", output_name, "'");

  fs::path root;
  const auto paths = image_list(options.get("images"), wanted, root);
  const int channels = static_cast<int>(input.dim(1));
  const int height = static_cast<int>(input.dim(2));
  const int width = static_cast<int>(input.dim(3));
  const int64_t batch = options.has("batch") ? options.get_int("batch") : input.dim(0);
  VISAGE_CHECK(batch > 0, "--batch must be positive");
  input.reshape({batch, channels, height, width});
  const bool flip = options.get_flag("flip");
  const auto& input_param = net.layer(input_layer).param();

  eval::EmbeddingTable table(0);
  bool table_ready = false;
  const auto start = std::chrono::steady_clock::now();
  const int passes = flip ? 2 : 1;
  std::vector<std::vector<float>> sums;
  for (size_t first = 0; first < paths.size(); first += static_cast<size_t>(batch)) {
    const size_t count = std::min(paths.size() - first, static_cast<size_t>(batch));
    std::vector<data::FloatImage> prepared;
    for (size_t i = 0; i < count; ++i) {
      const fs::path file = resolve_image(root, paths[first + i]);
      prepared.push_back(prepare(data::read_image(file, channels), input_param, height, width));
    }
    sums.assign(count, {});
    for (int pass = 0; pass < passes; ++pass) {
      auto values = input.mutable_data();
      const int64_t per_image = input.count(1);
      std::ranges::fill(values, 0.0f);
      for (size_t i = 0; i < count; ++i) {
        write_chw(pass == 0 ? prepared[i] : data::mirror(prepared[i]),
                  values.data() + static_cast<int64_t>(i) * per_image);
      }
      net.forward(ctx);
      const int64_t dim = output->count(1);
      const auto result = output->data();
      for (size_t i = 0; i < count; ++i) {
        auto& sum = sums[i];
        sum.resize(static_cast<size_t>(dim), 0.0f);
        for (int64_t d = 0; d < dim; ++d)
          sum[d] += result[static_cast<int64_t>(i) * dim + d] / passes;
      }
    }
    if (!table_ready) {
      table = eval::EmbeddingTable(sums[0].size());
      table_ready = true;
    }
    for (size_t i = 0; i < count; ++i) table.add(paths[first + i], sums[i]);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const size_t done = first + count;
    std::cerr << "\rembedded " << done << "/" << paths.size() << " images ("
              << static_cast<int>(static_cast<double>(done) / std::max(seconds, 1e-9))
              << " images/s)" << std::flush;
  }
  std::cerr << "\n";
  return table;
}

}  // namespace visage::tools

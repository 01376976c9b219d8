#include "eval/embedding_extractor.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "datasets/transform_pipeline.hpp"
#include "datasets/transforms.hpp"

namespace visage::eval {
namespace {

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

data::FloatImage prepare_for_input(const data::Image& image, const proto::LayerParameter& input,
                                   int height, int width) {
  data::FloatImage x;
  if (input.has_face_transform_param()) {
    // The data layer's TEST-phase chain (precrop, degradations, resize, centre crop,
    // normalisation), in the channels the image was decoded to.
    proto::FaceTransformParameter transform = input.face_transform_param();
    transform.set_channels(static_cast<uint32_t>(image.channels));
    const data::TransformPipeline pipeline(transform, /*train=*/false);
    Rng unused;  // the TEST phase draws nothing
    x = pipeline.apply(image, unused);
  } else {
    x = data::to_float(image);
    const float mean = 0.0f;
    data::normalize(x, std::span(&mean, 1), 1.0f / 255.0f);
  }
  if (x.height != height || x.width != width) {
    x = data::resize(x, height, width, data::ResizeMethod::bilinear);
  }
  return x;
}

std::string sole_output(const Net& net, const std::string& source, const std::string& hint) {
  const auto outputs = net.output_names();
  VISAGE_CHECK(outputs.size() == 1, source, ": the net has ", outputs.size(), " outputs; ", hint);
  return outputs[0];
}

EmbeddingExtractor::EmbeddingExtractor(Net& net, const std::string& output, int64_t batch,
                                       bool flip, const std::string& source)
    : net_(net), output_name_(output), flip_(flip) {
  for (int i = 0; i < net.num_layers() && input_layer_ < 0; ++i) {
    if (net.bottoms(i).empty() && !net.tops(i).empty() && net.tops(i)[0]->num_axes() == 4) {
      input_layer_ = i;
    }
  }
  VISAGE_CHECK(input_layer_ >= 0, source,
               ": no input layer with an N x C x H x W top to feed images into");
  input_ = net.tops(input_layer_)[0];
  output_ = net.tensor(output_name_);
  VISAGE_CHECK(output_ != nullptr, source, ": no top named '", output_name_, "'");
  channels_ = static_cast<int>(input_->dim(1));
  height_ = static_cast<int>(input_->dim(2));
  width_ = static_cast<int>(input_->dim(3));
  batch_ = batch > 0 ? batch : input_->dim(0);
  input_->reshape({batch_, channels_, height_, width_});
}

EmbeddingTable EmbeddingExtractor::embed(const std::vector<std::string>& names,
                                         const ImageSource& image, Context& ctx,
                                         const Progress& progress) {
  EmbeddingTable table(0);
  bool table_ready = false;
  const int passes = flip_ ? 2 : 1;
  std::vector<std::vector<float>> sums;
  std::vector<data::FloatImage> prepared;
  for (size_t first = 0; first < names.size(); first += static_cast<size_t>(batch_)) {
    const size_t count = std::min(names.size() - first, static_cast<size_t>(batch_));
    prepared.clear();
    for (size_t i = 0; i < count; ++i) {
      prepared.push_back(image(first + i));
      const data::FloatImage& x = prepared.back();
      VISAGE_CHECK(x.channels == channels_ && x.height == height_ && x.width == width_, "image '",
                   names[first + i], "' was prepared as ", data::shape_string(x),
                   " (height x width x channels) but the net's input takes ", height_, "x", width_,
                   "x", channels_);
    }
    sums.assign(count, {});
    for (int pass = 0; pass < passes; ++pass) {
      auto values = input_->mutable_data();
      const int64_t per_image = input_->count(1);
      std::ranges::fill(values, 0.0f);
      for (size_t i = 0; i < count; ++i) {
        write_chw(pass == 0 ? prepared[i] : data::mirror(prepared[i]),
                  values.data() + static_cast<int64_t>(i) * per_image);
      }
      net_.forward(ctx);
      const int64_t dim = output_->count(1);
      const auto result = output_->data();
      for (size_t i = 0; i < count; ++i) {
        auto& sum = sums[i];
        sum.resize(static_cast<size_t>(dim), 0.0f);
        for (int64_t d = 0; d < dim; ++d)
          sum[d] += result[static_cast<int64_t>(i) * dim + d] / passes;
      }
    }
    if (!table_ready) {
      table = EmbeddingTable(sums[0].size());
      table_ready = true;
    }
    for (size_t i = 0; i < count; ++i) table.add(names[first + i], sums[i]);
    if (progress) progress(first + count, names.size());
  }
  return table;
}

}  // namespace visage::eval

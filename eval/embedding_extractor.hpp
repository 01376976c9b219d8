// Embeddings from a network: images prepared for its input layer go through it in batches, and
// the chosen top's rows are kept per image. One implementation serves `visage embed`, `visage
// verify --model` and the solver's verification tests, which is why they agree to the bit.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/context.hpp"
#include "core/net.hpp"
#include "datasets/image.hpp"
#include "eval/embeddings.hpp"

namespace visage::eval {

// `visage embed`'s preparation of a decoded image for a deploy net's input layer: the layer's
// face_transform_param run as a data layer runs it in the TEST phase when it has one, else
// pixels / 255; then a bilinear resize to height x width when the size still differs.
data::FloatImage prepare_for_input(const data::Image& image, const proto::LayerParameter& input,
                                   int height, int width);

// The net's only output; otherwise an error naming `source` and the outputs, ending in `hint`
// (how to choose one).
std::string sole_output(const Net& net, const std::string& source, const std::string& hint);

class EmbeddingExtractor {
 public:
  // Image i, prepared: height x width x channels of the input, HWC.
  using ImageSource = std::function<data::FloatImage(size_t index)>;
  using Progress = std::function<void(size_t done, size_t total)>;

  // Feeds the first layer without bottoms whose first top is N x C x H x W, reshaped to `batch`
  // images (<= 0: keep N), and reads the top `output`. `source` names the net in errors. The net
  // must outlive the extractor.
  EmbeddingExtractor(Net& net, const std::string& output, int64_t batch, bool flip,
                     const std::string& source);

  const proto::LayerParameter& input_param() const { return net_.layer(input_layer_).param(); }
  int channels() const { return channels_; }
  int height() const { return height_; }
  int width() const { return width_; }
  int64_t batch() const { return batch_; }
  const std::string& output_name() const { return output_name_; }

  // One forward pass per batch (two with flip: the mean of an image's embedding and its mirror
  // image's), keyed by `names`.
  EmbeddingTable embed(const std::vector<std::string>& names, const ImageSource& image,
                       Context& ctx, const Progress& progress = {});

 private:
  Net& net_;
  int input_layer_ = -1;
  Tensor* input_ = nullptr;
  Tensor* output_ = nullptr;
  std::string output_name_;
  int channels_ = 0;
  int height_ = 0;
  int width_ = 0;
  int64_t batch_ = 0;
  bool flip_ = false;
};

}  // namespace visage::eval

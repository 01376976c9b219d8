#include "solvers/embedding_net.hpp"

#include <algorithm>
#include <set>

#include "core/error.hpp"

namespace visage {
namespace {

// The first layer that takes no input and gives N x C x H x W images, as the embedding
// extractor feeds.
int image_data_layer(const Net& net) {
  for (int i = 0; i < net.num_layers(); ++i) {
    if (net.bottoms(i).empty() && !net.tops(i).empty() && net.tops(i)[0]->num_axes() == 4) {
      return i;
    }
  }
  fail(net.config().source, ": the train net has no data layer giving N x C x H x W images; ",
       "give verification_test a model (a deploy net) to embed images with");
}

// How the data layer turns an 8-bit image into its top in the TEST phase.
proto::FaceTransformParameter test_transform(const Net& net, int data_layer) {
  const Layer& layer = net.layer(data_layer);
  if (auto transform = layer.test_image_transform()) return *transform;
  fail(layer.describe(), " (", net.where(data_layer),
       "): verification_test does not know how this layer prepares images (FaceData, ImageData "
       "and SyntheticFaceData say how); give verification_test a model (a deploy net with an "
       "Input layer and face_transform_param)");
}

}  // namespace

DerivedEmbeddingNet derive_embedding_net(const Net& train_net, const std::string& blob,
                                         int64_t batch) {
  const int data_layer = image_data_layer(train_net);
  const std::string& image_top = train_net.top_names(data_layer)[0];
  const Shape image_shape = train_net.tops(data_layer)[0]->shape();
  const NetConfig& train = train_net.config();

  NetOptions test_state;
  test_state.phase = proto::TEST;
  std::vector<int> candidates;  // indices into the train config's layers
  for (int k = 0; k < train.param.layer_size(); ++k) {
    const proto::LayerParameter& layer = train.param.layer(k);
    if (!layer_included(layer, test_state)) continue;
    // Every data layer giving the images (a TRAIN and a TEST one, say) makes way for the input.
    if (layer.bottom_size() == 0 &&
        std::find(layer.top().begin(), layer.top().end(), image_top) != layer.top().end()) {
      continue;
    }
    candidates.push_back(k);
  }
  // Backwards from the embedding: a layer stays when it writes a top that a kept layer (or the
  // embedding) reads. An in-place layer writes its own bottom, so e.g. a ReLU on the embedding
  // stays, as it shapes the value the train net calls by that name.
  std::set<std::string> needed{blob};
  std::vector<int> kept;
  for (auto it = candidates.rbegin(); it != candidates.rend(); ++it) {
    const proto::LayerParameter& layer = train.param.layer(*it);
    const bool writes_needed =
        std::any_of(layer.top().begin(), layer.top().end(),
                    [&](const std::string& top) { return needed.contains(top); });
    if (!writes_needed) continue;
    kept.push_back(*it);
    for (const std::string& bottom : layer.bottom()) needed.insert(bottom);
  }
  VISAGE_CHECK(!kept.empty(), train.source, ": no layer of the train net gives the top '", blob,
               "' in the TEST phase; set verification_test.blob to the embedding's top");
  std::ranges::reverse(kept);

  DerivedEmbeddingNet derived;
  derived.transform = test_transform(train_net, data_layer);
  NetConfig& config = derived.config;
  config.source = train.source;  // the layers' lines are the train config's
  config.param.set_name(train.param.name());
  proto::LayerParameter& input = *config.param.add_layer();
  input.set_name(train_net.layer(data_layer).name());
  input.set_type("Input");
  input.add_top(image_top);
  proto::BlobShape& shape = *input.mutable_input_param()->add_shape();
  shape.add_dim(batch > 0 ? batch : image_shape[0]);
  for (size_t axis = 1; axis < image_shape.size(); ++axis) shape.add_dim(image_shape[axis]);
  config.layer_lines.push_back(0);
  for (const int k : kept) {
    *config.param.add_layer() = train.param.layer(k);
    config.layer_lines.push_back(
        k < static_cast<int>(train.layer_lines.size()) ? train.layer_lines[k] : 0);
  }
  return derived;
}

}  // namespace visage

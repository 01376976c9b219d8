// A network's graph as Graphviz DOT, for `visage draw`: layers are boxes labelled with their name,
// type, key parameters ("conv 64 7x7/2") and output size per sample; blobs are edges labelled with
// their size (and their name where it is not the producing layer's). In-place layers (a top named
// like its bottom: ReLU, Dropout, ...) are folded into the box of the layer whose output they
// modify, as "+ ReLU" lines, or drawn as boxes of their own in the chain.
#pragma once

#include <string>

#include "core/net.hpp"

namespace visage::tools {

struct GraphOptions {
  proto::Phase phase = proto::TEST;  // whose layers (include/exclude rules) are drawn
  std::string rankdir = "TB";        // Graphviz's rankdir: TB (top to bottom) or LR
  bool fold_in_place = true;
};

// `net`, when given, is built from `config` for the same phase and supplies the sizes; without it
// the graph has no sizes (a net whose data layer cannot find its dataset can still be drawn).
std::string net_to_dot(const NetConfig& config, Net* net, const GraphOptions& options);

// The key parameters of a layer in a few characters ("conv 64 7x7/2", "max 3x3/2", "fc 4096");
// empty for layers without any worth showing (ReLU, Softmax, ...).
std::string layer_brief(const proto::LayerParameter& layer);

}  // namespace visage::tools

#include "tools/net_graph.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace visage::tools {
namespace {

// An enum value's name as a label writes it: SEMI_HARD -> semi-hard.
std::string label_case(std::string name) {
  for (char& c : name) {
    c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name;
}

// "7x7/2": the stride is left out when it is 1.
std::string window(uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw) {
  std::string w = concat(kh, "x", kw);
  if (sh != 1 || sw != 1) w += sh == sw ? concat("/", sh) : concat("/", sh, "x", sw);
  return w;
}

std::string convolution_brief(const proto::ConvolutionParameter& c) {
  const auto first = [](const auto& repeated, uint32_t otherwise) {
    return repeated.empty() ? otherwise : repeated.Get(0);
  };
  const auto last = [](const auto& repeated, uint32_t otherwise) {
    return repeated.empty() ? otherwise : repeated.Get(repeated.size() - 1);
  };
  const uint32_t kh = c.has_kernel_h() ? c.kernel_h() : first(c.kernel_size(), 0);
  const uint32_t kw = c.has_kernel_w() ? c.kernel_w() : last(c.kernel_size(), 0);
  const uint32_t sh = c.has_stride_h() ? c.stride_h() : first(c.stride(), 1);
  const uint32_t sw = c.has_stride_w() ? c.stride_w() : last(c.stride(), 1);
  std::string brief = concat("conv ", c.num_output(), " ", window(kh, kw, sh, sw));
  if (c.group() > 1) brief += concat(" group ", c.group());
  return brief;
}

std::string pooling_brief(const proto::PoolingParameter& p) {
  const std::string method = label_case(proto::PoolingParameter::PoolMethod_Name(p.pool()));
  if (p.global_pooling()) return method + " global";
  const uint32_t kh = p.has_kernel_h() ? p.kernel_h() : p.kernel_size();
  const uint32_t kw = p.has_kernel_w() ? p.kernel_w() : p.kernel_size();
  const uint32_t sh = p.has_stride_h() ? p.stride_h() : p.stride();
  const uint32_t sw = p.has_stride_w() ? p.stride_w() : p.stride();
  return method + " " + window(kh, kw, sh, sw);
}

// P x K batches, or plain ones.
std::string batches_brief(uint32_t identities, uint32_t per_identity, uint32_t batch) {
  if (identities > 0) return concat(identities, " ids x ", per_identity, " faces");
  return batch > 0 ? concat("batch ", batch) : "";
}

// Per-sample size as `visage summary` writes it (HxWxC, or the trailing dims); empty for one
// value per sample (labels) and for scalars (losses), which the graph need not repeat.
std::string node_sample_size(const Tensor& t) {
  const Shape& s = t.shape();
  if (s.size() == 4) return concat(s[2], "x", s[3], "x", s[1]);
  std::string size;
  for (size_t i = 1; i < s.size(); ++i) size += (i > 1 ? "x" : "") + std::to_string(s[i]);
  return size;
}

const char* fill_colour(std::string_view type) {
  if (type == "Input" || type.ends_with("Data")) return "#e8e8e8";
  if (type == "Convolution" || type == "LocallyConnected") return "#cfe2f3";
  if (type == "Pooling") return "#fce5cd";
  if (type == "InnerProduct") return "#d9ead3";
  if (type.ends_with("Loss")) return "#f4cccc";
  if (type == "LRN" || type == "BatchNorm" || type == "L2Normalize") return "#fff2cc";
  if (type == "Concat" || type == "Eltwise" || type == "Flatten" || type == "Reshape") {
    return "#ead1dc";
  }
  return "#ffffff";
}

// A DOT string literal: quotes and backslashes escaped, newlines as \n.
std::string dot_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

struct Node {
  std::string id;
  std::vector<std::string> lines;  // the output size, when known, is the last
  std::string colour;
  bool is_input = false;
  bool has_size = false;
};

struct Edge {
  std::string from;
  std::string to;
  std::string label;
};

// Where a blob currently comes from: the node that last wrote it, the layer that created it (an
// edge names the blob when it differs), and whether some layer has read it since that write.
struct BlobSource {
  size_t node;
  std::string origin;
  bool read = false;
};

class GraphBuilder {
 public:
  GraphBuilder(Net* net, bool fold) : net_(net), fold_(fold) {}

  void add_input(const std::string& blob) {
    Node node{concat("input_", nodes_.size()), {blob}, "#e8e8e8", true};
    if (const std::string size = size_of(blob); !size.empty()) {
      node.lines.push_back(size);
      node.has_size = true;
    }
    blobs_[blob] = {nodes_.size(), "", false};
    nodes_.push_back(std::move(node));
  }

  void add_layer(const proto::LayerParameter& layer, int index) {
    const bool in_place =
        layer.bottom_size() == 1 && layer.top_size() == 1 && layer.bottom(0) == layer.top(0);
    if (fold_ && in_place) {
      auto it = blobs_.find(layer.bottom(0));
      if (it != blobs_.end() && !it->second.read && !nodes_[it->second.node].is_input) {
        const std::string brief = layer_brief(layer);
        Node& producer = nodes_[it->second.node];
        producer.lines.insert(producer.lines.end() - (producer.has_size ? 1 : 0),
                              "+ " + layer.type() + (brief.empty() ? "" : " " + brief));
        return;
      }
    }
    const size_t self = nodes_.size();
    Node node{concat("layer_", index), {layer.name(), layer.type()}, fill_colour(layer.type())};
    if (const std::string brief = layer_brief(layer); !brief.empty()) node.lines.push_back(brief);
    for (const std::string& bottom : layer.bottom()) {
      if (!blobs_.contains(bottom)) add_input(bottom);  // an input the config does not declare
      BlobSource& source = blobs_.at(bottom);
      source.read = true;
      const std::string size = size_of(bottom);
      const bool named = bottom != source.origin;
      edges_.push_back({nodes_[source.node].id, node.id,
                        named ? bottom + (size.empty() ? "" : " " + size) : size});
    }
    std::vector<std::string> sizes;
    for (const std::string& top : layer.top()) {
      if (const std::string size = size_of(top); !size.empty()) sizes.push_back(size);
      const auto previous = blobs_.find(top);
      const bool rewrites = previous != blobs_.end() &&
                            std::ranges::find(layer.bottom(), top) != layer.bottom().end();
      blobs_[top] = {self, rewrites ? previous->second.origin : layer.name(), false};
    }
    std::string size_line;
    for (const auto& size : sizes) size_line += (size_line.empty() ? "" : ", ") + size;
    node.has_size = !size_line.empty();
    if (node.has_size) node.lines.push_back("out " + size_line);
    nodes_.push_back(std::move(node));
  }

  std::string dot(const std::string& title, const std::string& rankdir) const {
    std::ostringstream out;
    out << "digraph " << dot_string(title) << " {\n"
        << "  graph [rankdir=" << rankdir << ", label=" << dot_string(title)
        << ", labelloc=t, fontname=\"Helvetica\", fontsize=12, nodesep=0.2, ranksep=0.3];\n"
        << "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10, "
           "margin=\"0.08,0.03\"];\n"
        << "  edge [fontname=\"Helvetica\", fontsize=8, arrowsize=0.6];\n";
    for (const Node& node : nodes_) {
      std::string label;
      for (const auto& line : node.lines) label += (label.empty() ? "" : "\n") + line;
      out << "  " << node.id << " [label=" << dot_string(label) << ", fillcolor=\"" << node.colour
          << "\"" << (node.is_input ? ", shape=ellipse, style=filled" : "") << "];\n";
    }
    for (const Edge& edge : edges_) {
      out << "  " << edge.from << " -> " << edge.to;
      if (!edge.label.empty()) out << " [label=" << dot_string(edge.label) << "]";
      out << ";\n";
    }
    out << "}\n";
    return out.str();
  }

 private:
  std::string size_of(const std::string& blob) const {
    if (net_ == nullptr) return "";
    const Tensor* tensor = net_->tensor(blob);
    return tensor == nullptr ? "" : node_sample_size(*tensor);
  }

  Net* net_;
  bool fold_;
  std::vector<Node> nodes_;
  std::vector<Edge> edges_;
  std::map<std::string, BlobSource> blobs_;
};

}  // namespace

std::string layer_brief(const proto::LayerParameter& layer) {
  const std::string& type = layer.type();
  if (type == "Convolution") return convolution_brief(layer.convolution_param());
  if (type == "LocallyConnected") {
    const auto& c = layer.locally_connected_param();
    return concat("local ", c.num_output(), " ",
                  window(c.kernel_size(), c.kernel_size(), c.stride(), c.stride()));
  }
  if (type == "Pooling") return pooling_brief(layer.pooling_param());
  if (type == "InnerProduct") return concat("fc ", layer.inner_product_param().num_output());
  if (type == "LRN") return concat("size ", layer.lrn_param().local_size());
  if (type == "Dropout") return concat("ratio ", layer.dropout_param().dropout_ratio());
  if (type == "Maxout") return concat("pieces ", layer.maxout_param().pieces());
  if (type == "Concat" && layer.concat_param().axis() != 1) {
    return concat("axis ", layer.concat_param().axis());
  }
  if (type == "TripletLoss") {
    const auto& t = layer.triplet_loss_param();
    return concat(label_case(proto::TripletLossParameter::Mining_Name(t.mining())), ", margin ",
                  t.margin());
  }
  if (type == "FaceData") {
    const auto& p = layer.face_data_param();
    const std::string batches =
        batches_brief(p.identities_per_batch(), p.images_per_identity(), p.batch_size());
    return p.source() + (batches.empty() ? "" : "\n" + batches);
  }
  if (type == "SyntheticFaceData") {
    const auto& p = layer.synthetic_face_data_param();
    return concat("synthetic faces\n",
                  batches_brief(p.identities_per_batch(), p.images_per_identity(), p.batch_size()));
  }
  return "";
}

std::string net_to_dot(const NetConfig& config, Net* net, const GraphOptions& options) {
  VISAGE_CHECK(options.rankdir == "TB" || options.rankdir == "LR", "rankdir ", options.rankdir,
               ": expected TB or LR");
  NetOptions state;
  state.phase = options.phase;
  GraphBuilder graph(net, options.fold_in_place);
  for (const std::string& input : config.param.input()) graph.add_input(input);
  int drawn = 0;
  for (int i = 0; i < config.param.layer_size(); ++i) {
    const proto::LayerParameter& layer = config.param.layer(i);
    if (!layer_included(layer, state)) continue;
    graph.add_layer(layer, i);
    ++drawn;
  }
  VISAGE_CHECK(drawn > 0, config.source, ": no layer of the net is in the ",
               proto::Phase_Name(options.phase), " phase");
  std::string title = config.param.name().empty() ? config.source : config.param.name();
  title += concat(" (", proto::Phase_Name(options.phase));
  if (net != nullptr) {
    for (const auto& name : net->tensor_names()) {
      const Tensor* t = net->tensor(name);
      if (t != nullptr && t->num_axes() > 0) {
        title += concat(", batch ", t->dim(0));
        break;
      }
    }
  }
  return graph.dot(title + ")", options.rankdir);
}

}  // namespace visage::tools

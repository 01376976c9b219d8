#include "tools/net_table.hpp"

#include <cstdio>
#include <string_view>

namespace visage::tools {
namespace {

std::string join_kernel(uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw, int64_t channels) {
  std::string k = kh == kw ? std::to_string(kh) + "x" + std::to_string(kw)
                           : std::to_string(kh) + "x" + std::to_string(kw);
  if (channels > 0) k += "x" + std::to_string(channels);
  k += sh == sw ? ", " + std::to_string(sh) : ", " + std::to_string(sh) + "/" + std::to_string(sw);
  return k;
}

std::string kernel_of(const Layer& layer, const std::vector<Tensor*>& bottoms) {
  const auto& p = layer.param();
  const int64_t in_channels =
      !bottoms.empty() && bottoms[0]->num_axes() == 4 ? bottoms[0]->dim(1) : 0;
  if (p.has_convolution_param()) {
    const auto& c = p.convolution_param();
    const uint32_t kh =
        c.has_kernel_h() ? c.kernel_h() : (c.kernel_size_size() ? c.kernel_size(0) : 0);
    const uint32_t kw = c.has_kernel_w()
                            ? c.kernel_w()
                            : (c.kernel_size_size() ? c.kernel_size(c.kernel_size_size() - 1) : 0);
    const uint32_t sh = c.has_stride_h() ? c.stride_h() : (c.stride_size() ? c.stride(0) : 1);
    const uint32_t sw =
        c.has_stride_w() ? c.stride_w() : (c.stride_size() ? c.stride(c.stride_size() - 1) : 1);
    return join_kernel(kh, kw, sh, sw, in_channels / std::max<uint32_t>(c.group(), 1));
  }
  if (p.has_locally_connected_param()) {
    const auto& c = p.locally_connected_param();
    return join_kernel(c.kernel_size(), c.kernel_size(), c.stride(), c.stride(), in_channels);
  }
  if (p.has_pooling_param()) {
    const auto& c = p.pooling_param();
    if (c.global_pooling()) return "global";
    const uint32_t kh = c.has_kernel_h() ? c.kernel_h() : c.kernel_size();
    const uint32_t kw = c.has_kernel_w() ? c.kernel_w() : c.kernel_size();
    const uint32_t sh = c.has_stride_h() ? c.stride_h() : c.stride();
    const uint32_t sw = c.has_stride_w() ? c.stride_w() : c.stride();
    return join_kernel(kh, kw, sh, sw, 0);
  }
  return "";
}

}  // namespace

std::string sample_size(const Tensor& t) {
  const Shape& s = t.shape();
  if (s.size() == 4) return concat(s[2], "x", s[3], "x", s[1]);
  if (s.size() <= 1) return s.empty() ? "scalar" : "1";
  std::string out;
  for (size_t i = 1; i < s.size(); ++i) out += (i > 1 ? "x" : "") + std::to_string(s[i]);
  return out;
}

std::string format_count(int64_t n) {
  char buffer[32];
  const auto x = static_cast<double>(n);
  if (n >= 1'000'000'000) {
    std::snprintf(buffer, sizeof buffer, "%.2fG", x / 1e9);
  } else if (n >= 1'000'000) {
    std::snprintf(buffer, sizeof buffer, "%.1fM", x / 1e6);
  } else if (n >= 10'000) {
    std::snprintf(buffer, sizeof buffer, "%.1fK", x / 1e3);
  } else {
    std::snprintf(buffer, sizeof buffer, "%lld", static_cast<long long>(n));
  }
  return buffer;
}

std::vector<LayerRow> summarize(Net& net) {
  std::vector<LayerRow> rows;
  for (int i = 0; i < net.num_layers(); ++i) {
    const Layer& layer = net.layer(i);
    if (std::string_view(layer.type()) == "Split") continue;  // inserted by the Net, costs nothing
    LayerRow row;
    row.name = layer.name();
    row.type = layer.type();
    const auto& bottoms = net.bottoms(i);
    const auto& tops = net.tops(i);
    if (!bottoms.empty()) row.size_in = sample_size(*bottoms[0]);
    if (!tops.empty()) row.size_out = sample_size(*tops[0]);
    row.kernel = kernel_of(layer, bottoms);
    for (const auto& p : layer.params()) row.params += p->count();
    const int64_t batch = !tops.empty() && tops[0]->num_axes() > 0 ? tops[0]->dim(0) : 1;
    row.macs = layer.forward_macs(bottoms, tops) / std::max<int64_t>(batch, 1);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace visage::tools

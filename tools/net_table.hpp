// The per-layer table of `visage summary`: shapes in and out per sample, kernel, parameters and
// multiply-adds, the way the FaceNet paper tabulates its networks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/net.hpp"

namespace visage::tools {

struct LayerRow {
  std::string name;
  std::string type;
  std::string size_in;
  std::string size_out;
  std::string kernel;
  int64_t params = 0;
  int64_t macs = 0;  // multiply-adds for one sample
};

// Per-sample size as the papers write it: HxWxC for images, the plain dims otherwise.
std::string sample_size(const Tensor& t);
std::vector<LayerRow> summarize(Net& net);
std::string format_count(int64_t n);  // 140.0M, 1.6G, 512

}  // namespace visage::tools

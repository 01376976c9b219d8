// A file that lets anyone verify an ONNX runtime against Visage: random inputs (standard normal,
// from a seed) run through the net's own TEST-phase forward, saved as HDF5 with
//   /inputs/<graph input name>    (batch, ...) float32
//   /outputs/<graph output name>  (batch, ...) float32
// named as in the exported graph, so a runtime can be fed the inputs and compared with the outputs.
#pragma once

#include <cstdint>
#include <string>

#include "core/net.hpp"
#include "tools/onnx_export.hpp"

namespace visage::tools {

// Fills the net's inputs (its batch is the number of samples), runs forward and writes the file
// atomically.
void write_onnx_check(Net& net, Context& ctx, const OnnxExport& exported, uint64_t seed,
                      const std::string& path);

}  // namespace visage::tools

// Reading and writing configs: prototxt (protobuf text format) and binary protobuf. A malformed
// file gives "file:line:col: message"; a parsed net remembers the line of each layer so that later
// errors (unknown type, missing bottom, bad shapes) can point at it too.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proto/visage.pb.h"

namespace visage {

struct NetConfig {
  proto::NetParameter param;
  std::string source;            // file name, or a description for in-memory configs
  std::vector<int> layer_lines;  // 1-based line of each `layer {`, 0 when unknown

  // "file:line" of layer i, or the file alone.
  std::string where(int layer_index) const;
  // A stable 64-bit hash of the config's canonical text, stored in snapshots.
  uint64_t hash() const;
};

NetConfig parse_net_config(const std::string& text, const std::string& source = "<string>");
// A .prototxt / .pt / .txt file is read as text; anything else is tried as binary protobuf first
// (a Caffe .caffemodel) and then as text.
NetConfig load_net_config(const std::string& path);
NetConfig net_config_from(const proto::NetParameter& param, const std::string& source = "<memory>");

// Any message from protobuf text, with the same errors ("source:line:col: ...") and number checks
// as the net and solver readers (experiment specs, override fragments).
void parse_text_config(const std::string& text, const std::string& source,
                       google::protobuf::Message& message);

proto::SolverParameter parse_solver_config(const std::string& text,
                                           const std::string& source = "<string>");
proto::SolverParameter load_solver_config(const std::string& path);

std::string read_file(const std::string& path);
// Writes (replaces) the whole file, checking every step, the final flush included: a full disk
// or an unwritable path throws "<path>: cannot write (<reason>)".
void write_file(const std::string& path, std::string_view content);
void write_text_proto(const google::protobuf::Message& message, const std::string& path);
void read_binary_proto(const std::string& path, google::protobuf::Message& message);
void write_binary_proto(const google::protobuf::Message& message, const std::string& path);

}  // namespace visage

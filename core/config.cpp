#include "core/config.hpp"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/config_numbers.hpp"
#include "core/error.hpp"
#include "core/text_hash.hpp"

namespace visage {
namespace {

namespace pb = google::protobuf;

// Collects the first parse error with its 1-based position.
class FirstError : public pb::io::ErrorCollector {
 public:
  void AddError(int at_line, pb::io::ColumnNumber at_column, const std::string& text) override {
    if (!has_error) {
      has_error = true;
      line = at_line + 1;
      column = at_column + 1;
      message = text;
    }
  }
  void AddWarning(int, pb::io::ColumnNumber, const std::string&) override {}

  bool has_error = false;
  int line = 0;
  int column = 0;
  std::string message;
};

void parse_text(const std::string& text, const std::string& source, pb::Message& message,
                pb::TextFormat::ParseInfoTree* locations) {
  FirstError errors;
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (locations != nullptr) parser.WriteLocationsTo(locations);
  if (!parser.ParseFromString(text, &message)) {
    if (errors.has_error) {
      fail(source, ":", errors.line, ":", errors.column, ": ", errors.message);
    }
    fail(source, ": not a valid ", message.GetDescriptor()->name(), " in protobuf text format");
  }
}

bool is_text_name(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  return ext == ".prototxt" || ext == ".pt" || ext == ".txt" || ext == ".pbtxt";
}

}  // namespace

std::string read_file(const std::string& path) {
  std::error_code ec;
  // A folder opens as an empty stream on Linux: say what it is instead of calling it empty.
  VISAGE_CHECK(!std::filesystem::is_directory(path, ec), path, ": is a folder, not a file");
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    if (error == ENOENT) fail(path, ": no such file");
    fail(path, ": cannot be read (", error != 0 ? std::strerror(error) : "unknown reason", ")");
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void write_file(const std::string& path, std::string_view content) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  VISAGE_CHECK(file != nullptr, path, ": cannot write (", std::strerror(errno), ")");
  const bool written = std::fwrite(content.data(), 1, content.size(), file) == content.size();
  const int write_error = errno;
  const bool closed = std::fclose(file) == 0;  // the buffered tail reaches the disk here
  VISAGE_CHECK(written && closed, path, ": cannot write (",
               std::strerror(written ? errno : write_error), ")");
}

std::string NetConfig::where(int layer_index) const {
  if (layer_index >= 0 && layer_index < static_cast<int>(layer_lines.size()) &&
      layer_lines[layer_index] > 0) {
    return concat(source, ":", layer_lines[layer_index]);
  }
  return source;
}

uint64_t NetConfig::hash() const {
  std::string canonical;
  pb::TextFormat::PrintToString(param, &canonical);
  return fnv1a_64(canonical);
}

NetConfig parse_net_config(const std::string& text, const std::string& source) {
  NetConfig config;
  config.source = source;
  pb::TextFormat::ParseInfoTree locations;
  parse_text(text, source, config.param, &locations);
  check_config_numbers(config.param, &locations, source);
  const pb::FieldDescriptor* layer_field =
      proto::NetParameter::descriptor()->FindFieldByName("layer");
  for (int i = 0; i < config.param.layer_size(); ++i) {
    const auto location = locations.GetLocation(layer_field, i);
    config.layer_lines.push_back(location.line >= 0 ? location.line + 1 : 0);
  }
  return config;
}

NetConfig net_config_from(const proto::NetParameter& param, const std::string& source) {
  NetConfig config;
  check_config_numbers(param, nullptr, source);
  config.param = param;
  config.source = source;
  config.layer_lines.assign(param.layer_size(), 0);
  return config;
}

NetConfig load_net_config(const std::string& path) {
  const std::string content = read_file(path);
  if (!is_text_name(path)) {
    proto::NetParameter binary;
    if (binary.ParseFromString(content)) return net_config_from(binary, path);
  }
  return parse_net_config(content, path);
}

void parse_text_config(const std::string& text, const std::string& source, pb::Message& message) {
  pb::TextFormat::ParseInfoTree locations;
  parse_text(text, source, message, &locations);
  check_config_numbers(message, &locations, source);
}

proto::SolverParameter parse_solver_config(const std::string& text, const std::string& source) {
  proto::SolverParameter solver;
  parse_text_config(text, source, solver);
  return solver;
}

proto::SolverParameter load_solver_config(const std::string& path) {
  return parse_solver_config(read_file(path), path);
}

void write_text_proto(const pb::Message& message, const std::string& path) {
  std::string text;
  VISAGE_CHECK(pb::TextFormat::PrintToString(message, &text), "cannot print ", path);
  write_file(path, text);
}

void read_binary_proto(const std::string& path, pb::Message& message) {
  const std::string content = read_file(path);
  VISAGE_CHECK(message.ParseFromString(content), path, ": not a valid binary ",
               message.GetDescriptor()->name());
}

void write_binary_proto(const pb::Message& message, const std::string& path) {
  std::string bytes;
  VISAGE_CHECK(message.SerializeToString(&bytes), path, ": cannot serialise ",
               message.GetDescriptor()->name());
  write_file(path, bytes);
}

}  // namespace visage

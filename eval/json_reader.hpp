// A small JSON parser for reading Visage's own JSON-lines logs back (the plots), the reading twin
// of json_writer.hpp. Numbers are doubles; errors say at which character the text went wrong.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace visage::eval {

struct JsonMember;

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0.0;
  std::string string;
  std::vector<JsonValue> array;
  // (JsonMember is completed below: a std::pair<std::string, JsonValue> here would need
  // JsonValue complete, and clang, which builds the fuzz targets, rejects that.)
  std::vector<JsonMember> object;  // in the order written

  // The member named `key` of an object; nullptr when absent or when this is not an object.
  const JsonValue* find(std::string_view key) const;
};

struct JsonMember {
  std::string name;
  JsonValue value;
};

// One JSON document (whitespace around it allowed). Throws visage::Error, "at character N: ...",
// on anything else, on numbers a double cannot hold (1e400) and on arrays and objects nested more
// than 64 deep.
JsonValue parse_json(std::string_view text);

}  // namespace visage::eval

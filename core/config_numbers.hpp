// The one check of every number in a config, made where the config is read: each float and
// double is finite, and each field annotated with a range in visage.proto ((minimum),
// (exclusive_minimum), (maximum), (exclusive_maximum)) lies in it. The error names the field by
// its path in the message and, for text configs, its line and column.
#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>

#include <string>

namespace visage {

// `locations` is the parser's record of where each field was (nullptr for binary configs).
void check_config_numbers(const google::protobuf::Message& message,
                          const google::protobuf::TextFormat::ParseInfoTree* locations,
                          const std::string& source);

}  // namespace visage

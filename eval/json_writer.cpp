#include "eval/json_writer.hpp"

#include <cmath>
#include <cstdio>

#include "core/error.hpp"
#include "eval/number_format.hpp"

namespace visage::eval {

void JsonWriter::newline() {
  out_ += '\n';
  out_.append(2 * scopes_.size(), ' ');
}

void JsonWriter::before_value() {
  if (scopes_.empty()) {
    VISAGE_CHECK(!document_started_, "JSON document already has its top-level value");
    document_started_ = true;
    return;
  }
  Scope& scope = scopes_.back();
  if (scope.is_object) {
    VISAGE_CHECK(scope.awaiting_value, "JSON object member written without a key");
    scope.awaiting_value = false;
    return;
  }
  if (!scope.empty) out_ += ',';
  scope.empty = false;
  newline();
}

void JsonWriter::open(char bracket, bool is_object) {
  before_value();
  out_ += bracket;
  scopes_.push_back({is_object, true, false});
}

void JsonWriter::close(char bracket, bool is_object) {
  VISAGE_CHECK(
      !scopes_.empty() && scopes_.back().is_object == is_object && !scopes_.back().awaiting_value,
      "unbalanced JSON ", is_object ? "object" : "array");
  const bool empty = scopes_.back().empty;
  scopes_.pop_back();
  if (!empty) newline();
  out_ += bracket;
}

JsonWriter& JsonWriter::begin_object() {
  open('{', true);
  return *this;
}
JsonWriter& JsonWriter::end_object() {
  close('}', true);
  return *this;
}
JsonWriter& JsonWriter::begin_array() {
  open('[', false);
  return *this;
}
JsonWriter& JsonWriter::end_array() {
  close(']', false);
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  VISAGE_CHECK(!scopes_.empty() && scopes_.back().is_object && !scopes_.back().awaiting_value,
               "JSON key `", name, "` outside an object or after another key");
  Scope& scope = scopes_.back();
  if (!scope.empty) out_ += ',';
  scope.empty = false;
  newline();
  append_string(name);
  out_ += ": ";
  scope.awaiting_value = true;
  return *this;
}

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;  // UTF-8 passes through unchanged
        }
    }
  }
  return out + '"';
}

void JsonWriter::append_string(std::string_view text) { out_ += json_quote(text); }

JsonWriter& JsonWriter::value(std::string_view text) {
  before_value();
  append_string(text);
  return *this;
}

JsonWriter& JsonWriter::value(double number) {
  if (!std::isfinite(number)) return null();
  before_value();
  out_ += round_trip(number);
  return *this;
}

JsonWriter& JsonWriter::value(int64_t number) {
  before_value();
  out_ += std::to_string(number);
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  before_value();
  out_ += flag ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}

std::string JsonWriter::str() const {
  VISAGE_CHECK(scopes_.empty() && document_started_, "incomplete JSON document");
  return out_ + '\n';
}

}  // namespace visage::eval

// A small streaming JSON writer for the machine-readable reports (no dependency for one format).
// Objects and arrays nest through begin/end calls; commas, indentation and string escaping are
// handled here. Non-finite numbers, which JSON cannot express, are written as null.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace visage::eval {

// `text` as a JSON string literal, quotes included.
std::string json_quote(std::string_view text);

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // Names the next value; only inside an object.
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(double number);
  JsonWriter& value(int64_t number);
  JsonWriter& value(int number) { return value(static_cast<int64_t>(number)); }
  JsonWriter& value(size_t number) { return value(static_cast<int64_t>(number)); }
  JsonWriter& value(bool flag);
  JsonWriter& null();

  // The document; every object and array must be closed.
  std::string str() const;

 private:
  struct Scope {
    bool is_object = false;
    bool empty = true;
    bool awaiting_value = false;  // a key was written
  };
  void before_value();
  void open(char bracket, bool is_object);
  void close(char bracket, bool is_object);
  void newline();
  void append_string(std::string_view text);

  std::string out_;
  std::vector<Scope> scopes_;
  bool document_started_ = false;
};

}  // namespace visage::eval

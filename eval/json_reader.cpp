#include "eval/json_reader.hpp"

#include <algorithm>
#include <charconv>

#include "core/error.hpp"

namespace visage::eval {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  JsonValue document() {
    JsonValue value = parse_value();
    skip_space();
    if (at_ < text_.size()) error("unexpected '", text_[at_], "' after the value");
    return value;
  }

 private:
  template <typename... Parts>
  [[noreturn]] void error(const Parts&... parts) const {
    fail("at character ", at_ + 1, ": ", parts...);
  }

  void skip_space() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) {
      ++at_;
    }
  }

  char peek() {
    skip_space();
    if (at_ >= text_.size()) error("the text ends where a value or bracket was expected");
    return text_[at_];
  }

  void expect(char c) {
    if (peek() != c) error("expected '", c, "', found '", text_[at_], "'");
    ++at_;
  }

  void literal(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) error("expected a value");
    at_ += word.size();
  }

  JsonValue parse_value() {
    JsonValue value;
    const char c = peek();
    if (c == '{') {
      value.kind = JsonValue::Kind::kObject;
      ++at_;
      if (peek() == '}') return ++at_, value;
      while (true) {
        if (peek() != '"') error("expected a member name in quotes");
        std::string key = parse_string();
        expect(':');
        value.object.emplace_back(std::move(key), parse_value());
        if (peek() == '}') return ++at_, value;
        expect(',');
      }
    }
    if (c == '[') {
      value.kind = JsonValue::Kind::kArray;
      ++at_;
      if (peek() == ']') return ++at_, value;
      while (true) {
        value.array.push_back(parse_value());
        if (peek() == ']') return ++at_, value;
        expect(',');
      }
    }
    if (c == '"') {
      value.kind = JsonValue::Kind::kString;
      value.string = parse_string();
    } else if (c == 't' || c == 'f') {
      value.kind = JsonValue::Kind::kBool;
      value.boolean = c == 't';
      literal(c == 't' ? "true" : "false");
    } else if (c == 'n') {
      literal("null");
    } else {
      value.kind = JsonValue::Kind::kNumber;
      value.number = parse_number();
    }
    return value;
  }

  double parse_number() {
    double number = 0;
    const char* begin = text_.data() + at_;
    const char* end = text_.data() + text_.size();
    // from_chars takes no leading '+', as JSON; a leading '.' or "inf" are not JSON numbers.
    if (*begin == '.' || *begin == 'i' || *begin == 'I' || *begin == 'n' || *begin == 'N') {
      error("expected a value");
    }
    const auto [ptr, ec] = std::from_chars(begin, end, number);
    if (ec != std::errc() || ptr == begin) error("expected a value");
    at_ += static_cast<size_t>(ptr - begin);
    return number;
  }

  std::string parse_string() {
    ++at_;  // the opening quote
    std::string out;
    while (true) {
      if (at_ >= text_.size()) error("the string is not closed");
      const char c = text_[at_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) error("a control character inside a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_ >= text_.size()) error("the string is not closed");
      const char escaped = text_[at_++];
      switch (escaped) {
        case '"':
        case '\\':
        case '/':
          out += escaped;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u':
          append_utf8(parse_hex4(), out);
          break;
        default:
          error("unknown escape '\\", escaped, "'");
      }
    }
  }

  unsigned parse_hex4() {
    unsigned code = 0;
    const auto [ptr, ec] = std::from_chars(
        text_.data() + at_, text_.data() + std::min(at_ + 4, text_.size()), code, 16);
    if (ec != std::errc() || ptr != text_.data() + at_ + 4)
      error("expected 4 hex digits after \\u");
    at_ += 4;
    return code;
  }

  // Escaped code points are written as UTF-8 (surrogate pairs, which Visage never writes, are
  // kept as two three-byte sequences).
  static void append_utf8(unsigned code, std::string& out) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  std::string_view text_;
  size_t at_ = 0;
};

}  // namespace

const JsonValue* JsonValue::find(std::string_view key) const {
  for (const auto& [name, value] : object) {
    if (name == key) return &value;
  }
  return nullptr;
}

JsonValue parse_json(std::string_view text) { return Parser(text).document(); }

}  // namespace visage::eval

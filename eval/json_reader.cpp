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
    const char c = peek();
    if (c == '{' || c == '[') {
      // Each level is a recursive call: a line of a million '[' would overflow the stack.
      if (depth_ == kMaxDepth) error("arrays and objects nested more than ", kMaxDepth, " deep");
      ++depth_;
      JsonValue value = c == '{' ? parse_object() : parse_array();
      --depth_;
      return value;
    }
    JsonValue value;
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

  JsonValue parse_object() {
    JsonValue value;
    value.kind = JsonValue::Kind::kObject;
    ++at_;
    if (peek() == '}') return ++at_, value;
    while (true) {
      if (peek() != '"') error("expected a member name in quotes");
      std::string key = parse_string();
      expect(':');
      value.object.push_back({std::move(key), parse_value()});
      if (peek() == '}') return ++at_, value;
      expect(',');
    }
  }

  JsonValue parse_array() {
    JsonValue value;
    value.kind = JsonValue::Kind::kArray;
    ++at_;
    if (peek() == ']') return ++at_, value;
    while (true) {
      value.array.push_back(parse_value());
      if (peek() == ']') return ++at_, value;
      expect(',');
    }
  }

  bool at_digit() const { return at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9'; }

  // Digits from here on; false when there are none.
  bool skip_digits() {
    const size_t start = at_;
    while (at_digit()) ++at_;
    return at_ > start;
  }

  // JSON's grammar, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, is checked first: from_chars
  // also reads "inf", "nan", ".5" and "1." as numbers.
  double parse_number() {
    const size_t begin = at_;
    if (text_[at_] == '-') ++at_;
    if (!at_digit()) error("expected a value");
    if (text_[at_] == '0') {
      ++at_;  // no leading zeros: "01" ends after the 0
    } else {
      skip_digits();
    }
    if (at_ < text_.size() && text_[at_] == '.') {
      ++at_;
      if (!skip_digits()) error("expected a digit after the decimal point");
    }
    if (at_ < text_.size() && (text_[at_] == 'e' || text_[at_] == 'E')) {
      ++at_;
      if (at_ < text_.size() && (text_[at_] == '+' || text_[at_] == '-')) ++at_;
      if (!skip_digits()) error("expected a digit in the exponent");
    }
    double number = 0;
    const char* first = text_.data() + begin;
    const char* last = text_.data() + at_;
    // The grammar holds, so from_chars can only fail on magnitude: 1e400, or 1e-400 (which it
    // refuses rather than reading as 0).
    if (std::from_chars(first, last, number).ec != std::errc()) {
      at_ = begin;
      error("the number ", std::string_view(first, last), " is out of the range of a double");
    }
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

  static constexpr int kMaxDepth = 64;  // Visage's logs nest two deep

  std::string_view text_;
  size_t at_ = 0;
  int depth_ = 0;
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

// Errors with context. Visage never aborts on bad input: it throws visage::Error with a message
// that names the file, line, layer or shapes involved, and the command line prints it.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace visage {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Concatenates the streamable arguments into one message.
template <typename... Parts>
std::string concat(Parts&&... parts) {
  std::ostringstream out;
  (out << ... << std::forward<Parts>(parts));
  return out.str();
}

template <typename... Parts>
[[noreturn]] void fail(Parts&&... parts) {
  throw Error(concat(std::forward<Parts>(parts)...));
}

// Prefixes an error raised while doing `what` with that context, keeping the original message.
template <typename Fn>
auto with_context(const std::string& what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Error& e) {
    throw Error(what + ": " + e.what());
  }
}

}  // namespace visage

#define VISAGE_CHECK(condition, ...) \
  do {                               \
    if (!(condition)) {              \
      ::visage::fail(__VA_ARGS__);   \
    }                                \
  } while (false)

// What a stream (std::clog, say) writes goes to another stream's buffer for one scope, and the
// stream gets its own buffer back however the scope ends.
#pragma once

#include <ostream>

namespace visage::testing {

class RedirectedStream {
 public:
  RedirectedStream(std::ostream& stream, std::ostream& to)
      : stream_(stream), previous_(stream.rdbuf(to.rdbuf())) {}
  ~RedirectedStream() { stream_.rdbuf(previous_); }
  RedirectedStream(const RedirectedStream&) = delete;
  RedirectedStream& operator=(const RedirectedStream&) = delete;

 private:
  std::ostream& stream_;
  std::streambuf* previous_;
};

}  // namespace visage::testing
